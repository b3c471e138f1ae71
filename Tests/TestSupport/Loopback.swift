import Glibc

/// Plain TCP on 127.0.0.1, for the tests and benchmarks that need sockets they control
/// themselves: raw requests, streams they close on their own, ports probed without a client.
public enum Loopback {
    /// 127.0.0.1:`port` as a socket address.
    public static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// A socket connected to 127.0.0.1:`port`; with `timeoutSeconds`, every send and receive on
    /// it gives up after that long. The failure says which call failed and why.
    public static func connect(port: Int, timeoutSeconds: Int? = nil) -> Result<Int32, Failure> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(description: "socket: \(String(cString: strerror(errno)))")) }
        if let timeoutSeconds {
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        var address = address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let failure = Failure(description: "connect: \(String(cString: strerror(errno)))")
            close(fd)
            return .failure(failure)
        }
        return .success(fd)
    }

    /// A socket listening on 127.0.0.1:`port` (another process holding the port, as far as a
    /// container's proxy can tell); close it to free the port.
    public static func listen(port: Int) -> Result<Int32, Failure> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(description: "socket: \(String(cString: strerror(errno)))")) }
        // Connections of earlier tests in TIME_WAIT do not stop a listener elsewhere either.
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = address(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 8) == 0 else {
            let failure = Failure(description: "bind/listen 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
            close(fd)
            return .failure(failure)
        }
        return .success(fd)
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }
}
