import Foundation
import Spec
import State

extension Planner {
    /// Why a slot ran out of time, most telling first: the engine would not start its container
    /// (a port another process holds, or another engine error), the container was OOM-killed or
    /// exited, it answered unhealthy, or nothing answered at all. The reason is the word the
    /// Degraded condition carries; the message says what happened and with which value.
    public static func failureCause(
        lastPassError: String?, container: ContainerInfo?, record: SlotRecord, deadline: SpecDuration, memory: ByteSize? = nil
    ) -> (reason: Condition.Reason, message: String) {
        let prefix = "not healthy within \(deadline): "
        if let error = lastPassError {
            if error.contains("port is already allocated") || error.contains("address already in use") {
                let port = publishedPort(in: error) ?? record.port
                return (.portInUse, prefix + "port \(port) is in use by another process, so the engine would not start the container (\(error))")
            }
            return (.startFailed, prefix + "the engine would not start the container: \(error)")
        }
        if container?.oomKilled == true || record.oomKilled == true {
            let limit = (memory ?? container?.memoryBytes.map { ByteSize(bytes: $0) }).map { " (memory limit \($0))" } ?? ""
            return (.oomKilled, prefix + "the container was killed for running out of memory\(limit)")
        }
        if let code = (container?.state != .running ? container?.exitCode : nil) ?? record.lastExitCode {
            return (.containerExited, prefix + "the container exited with code \(code)")
        }
        if let answers = record.unhealthyAnswers, answers > 0 {
            let last = record.lastProbe ?? "the health check answered unhealthy"
            return (.unhealthy, prefix + "\(last) (\(answers) unhealthy \(answers == 1 ? "answer" : "answers") since deploy)")
        }
        return (.noAnswer, prefix + (record.lastProbe ?? "no probe answered"))
    }

    /// The host port in an engine error such as `Bind for 127.0.0.1:4100 failed: port is
    /// already allocated` or `listen tcp4 127.0.0.1:4100: bind: address already in use`.
    static func publishedPort(in error: String) -> Int? {
        var rest = Substring(error)
        while let colon = rest.firstIndex(of: ":") {
            let before = rest[..<colon].reversed().prefix { $0.isNumber || $0 == "." }
            let digits = rest[rest.index(after: colon)...].prefix { $0.isASCII && $0.isNumber }
            if before.filter({ $0 == "." }).count == 3, let port = Int(digits), (1...65535).contains(port) { return port }
            rest = rest[rest.index(after: colon)...]
        }
        return nil
    }
}
