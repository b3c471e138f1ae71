import Drivers
import Foundation
import Spec
import State
#if canImport(Glibc)
import Glibc
#endif

/// The checks of the host itself: the state directory, the secret key, the port ranges.
extension Doctor {
    /// The state directory holds every environment, the key hashes and the sealed secrets:
    /// it must exist (or be creatable), and no other user may write it or read it.
    func stateDirectoryCheck() -> DoctorCheck {
        if configuration.databaseURL != nil {
            return DoctorCheck("state-dir", .ok, "state is in PostgreSQL (database-url); \(configuration.stateDirectory) is not used for environments")
        }
        let path = configuration.stateDirectory
        var info = stat()
        guard stat(path, &info) == 0 else {
            let parent = (path as NSString).deletingLastPathComponent
            if access(parent, W_OK) == 0 {
                return DoctorCheck("state-dir", .warn, "\(path) does not exist yet; the controller creates it", fix: "or create it: install -d -m 0700 -o codeb \(path)")
            }
            return DoctorCheck("state-dir", .fail, "\(path) does not exist and \(parent) is not writable by this user",
                               fix: "create it for the controller's user: install -d -m 0700 -o codeb \(path)")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            return DoctorCheck("state-dir", .fail, "\(path) is not a directory", fix: "move it away, or set state-dir to a directory")
        }
        let mode = info.st_mode & 0o7777
        let owner = Self.userName(info.st_uid)
        let described = "\(path): owner \(owner), mode \(String(mode, radix: 8))"
        if mode & 0o022 != 0 {
            return DoctorCheck("state-dir", .fail, "\(described) — other users can write it (and so change any team's state)", fix: "chmod 0700 \(path)")
        }
        if mode & 0o007 != 0 {
            return DoctorCheck("state-dir", .fail, "\(described) — every user can read it (key hashes, sealed secrets, audit log)", fix: "chmod 0700 \(path)")
        }
        if geteuid() != 0, info.st_uid != geteuid() {
            return DoctorCheck("state-dir", .fail, "\(described) — owned by another user than \(Self.userName(geteuid())), who runs this", fix: "run the controller as \(owner), or chown -R \(Self.userName(geteuid())) \(path)")
        }
        return DoctorCheck("state-dir", mode & 0o070 != 0 ? .warn : .ok, described, fix: mode & 0o070 != 0 ? "chmod 0700 \(path): the group can read it" : "")
    }

    /// The secret key seals every secret: 0600, or missing (the controller creates it so).
    func secretKeyCheck() -> DoctorCheck {
        let path = configuration.secretKeyFile
        var info = stat()
        guard stat(path, &info) == 0 else {
            return DoctorCheck("secret-key", .ok, "\(path) does not exist yet; the controller creates it (mode 0600) on start")
        }
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            return DoctorCheck("secret-key", .fail, "\(path) has mode \(String(mode, radix: 8)): other users can read the key every secret is sealed with",
                               fix: "chmod 0600 \(path), then `codeb secrets rotate-key` (it may have been read)")
        }
        return DoctorCheck("secret-key", .ok, "\(path): owner \(Self.userName(info.st_uid)), mode \(String(mode, radix: 8))")
    }

    /// Each kind's range: how many ports are free to give out. A port a codeb container
    /// publishes is in use by codeb; one held by another process makes the environment given
    /// it fail to start, so those are named.
    func portChecks() async -> [DoctorCheck] {
        let docker = DockerRuntime(socketPath: configuration.dockerSocket)
        let codebPorts = Set(((try? await docker.listManaged()) ?? []).flatMap { $0.ports.map(\.hostPort) })
        return EnvironmentName.Kind.allCases.map { kind in
            let range = configuration.ports[kind]
            var free = 0, codeb = 0, foreign: [Int] = []
            for port in range {
                if codebPorts.contains(port) {
                    codeb += 1
                } else if Self.canBind(port, host: configuration.publishAddress) {
                    free += 1
                } else {
                    foreign.append(port)
                }
            }
            let message = "\(kind) \(range.lowerBound)-\(range.upperBound) on \(configuration.publishAddress): \(free) free, \(codeb) used by codeb"
            // An environment takes two ports (blue and green).
            if free < 2 {
                return DoctorCheck("ports", .fail, message + (foreign.isEmpty ? "" : ", \(foreign.count) held by other processes") + " — no room for another environment",
                                   fix: "widen the range (ports: \(kind)=LOW-HIGH) or delete environments")
            }
            if !foreign.isEmpty {
                let named = foreign.prefix(5).map(String.init).joined(separator: ", ") + (foreign.count > 5 ? ", …" : "")
                return DoctorCheck("ports", .warn, message + ", \(foreign.count) held by other processes (\(named))",
                                   fix: "an environment given one of those fails to start (PortInUse): stop that process or move the range")
            }
            return DoctorCheck("ports", .ok, message)
        }
    }

    /// Whether `host:port` can be bound now (address reuse on, so a port in TIME_WAIT counts as free).
    static func canBind(_ port: Int, host: String) -> Bool {
        withSocket(host: host, port: port) { descriptor, address, length in
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            return bind(descriptor, address, length) == 0
        } ?? false
    }

    /// Why a TCP connection to `host:port` (an IPv4 address) is refused; nil when it is
    /// accepted or the address is not one to try directly.
    static func refusal(host: String, port: Int) -> String? {
        let refused = withSocket(host: host, port: port) { descriptor, address, length in
            connect(descriptor, address, length) != 0 && errno == ECONNREFUSED
        }
        return refused == true ? "connection refused" : nil
    }

    /// Runs `body` with a fresh TCP socket (closed after) and `host:port` as an address; nil
    /// when `host` is not an IPv4 address or no socket could be made.
    private static func withSocket<T>(host: String, port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}
