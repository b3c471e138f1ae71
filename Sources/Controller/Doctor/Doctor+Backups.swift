import Drivers
import Foundation

extension Doctor {
    /// Backups of backing services: failing ones (the running controller's `/readyz` says), and
    /// a backup directory on the disk that holds Docker's volumes (one disk failure would take
    /// the data and its backups).
    func backupsCheck(readyz: [String: String]?) async -> DoctorCheck {
        let directory = configuration.backupDirectory ?? configuration.stateDirectory + "/backups"
        if let line = readyz?["backups"], line != "ok" {
            return DoctorCheck("backups", .warn, line, fix: "see the controller's log for each; `codeb backup create` tries one again")
        }
        let root = (try? await DockerRuntime(socketPath: configuration.dockerSocket).rootDirectory()) ?? "/var/lib/docker"
        if let same = Self.sameDisk(directory, root + "/volumes"), same {
            return DoctorCheck("backups", .warn, "\(directory) is on the same disk as Docker's volumes (\(root)/volumes): a disk failure would take the data and its backups",
                               fix: "set backup-dir to a directory on another disk (or a mounted backup volume)")
        }
        return DoctorCheck("backups", .ok, "backups go to \(directory)" + (readyz == nil ? "" : "; none failing"))
    }

    /// Whether two paths (or their nearest existing parents) are on one device; nil when
    /// neither can be read.
    static func sameDisk(_ first: String, _ second: String) -> Bool? {
        func device(_ path: String) -> UInt64? {
            var current = path
            while !current.isEmpty {
                var info = stat()
                if stat(current, &info) == 0 { return UInt64(info.st_dev) }
                let parent = (current as NSString).deletingLastPathComponent
                if parent == current { break }
                current = parent
            }
            return nil
        }
        guard let a = device(first), let b = device(second) else { return nil }
        return a == b
    }
}
