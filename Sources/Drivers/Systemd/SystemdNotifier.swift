import Foundation
#if canImport(Glibc)
import Glibc
import State
#endif

/// The sd_notify protocol: one datagram per message to the unix socket named by `$NOTIFY_SOCKET`
/// (a path, or `@name` for the abstract namespace). Without the variable (not started by
/// systemd with `Type=notify`) every call does nothing.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// `$WATCHDOG_USEC` as a duration: systemd expects `WATCHDOG=1` at least this often.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        // WATCHDOG_PID, when set, must be ours; otherwise the watchdog is meant for another process.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogInterval = forUs ? environment["WATCHDOG_USEC"].flatMap(Int64.init).map { .microseconds($0) } : nil
    }

    public var isEnabled: Bool { socketPath != nil }

    public func ready(status: String? = nil) throws { try send("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? "")) }
    public func stopping() throws { try send("STOPPING=1") }
    public func watchdog() throws { try send("WATCHDOG=1") }
    public func status(_ text: String) throws { try send("STATUS=\(text)") }

    /// Sends one message (newline-separated `KEY=value` lines).
    public func send(_ message: String) throws {
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NotifyError(message: "socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(socketPath.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }  // abstract namespace: a leading NUL instead of '@'
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw NotifyError(message: "NOTIFY_SOCKET is longer than a socket address allows") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        // Abstract addresses are exactly as long as their name; paths include the terminator.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        guard sent == payload.count else {
            throw NotifyError(message: "sending to NOTIFY_SOCKET \(socketPath): \(String(cString: strerror(errno)))")
        }
    }
}

public struct NotifyError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
