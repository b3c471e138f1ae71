import Foundation

extension Doctor {
    /// The executable of the process listening on TCP `port` (from /proc: the socket's inode,
    /// then the process holding it). nil when not found or not visible to this user (another
    /// user's processes need root).
    static func listener(port: Int) -> String? {
        var inodes: Set<String> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                // local_address is ADDRESS:PORT in hex; state 0A is LISTEN; field 9 the inode.
                guard fields.count > 9, fields[3] == "0A", let local = fields[1].split(separator: ":").last,
                      Int(local, radix: 16) == port
                else { continue }
                inodes.insert("socket:[\(fields[9])]")
            }
        }
        guard !inodes.isEmpty, let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for pid in pids where pid.allSatisfy(\.isNumber) {
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"), inodes.contains(target) {
                    return try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
                }
            }
        }
        return nil
    }
}
