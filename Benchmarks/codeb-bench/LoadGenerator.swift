import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sends GETs at a steady rate from a few threads — each on a new TCP connection
/// (`Connection: close`), or in `keepAlive` mode on one persistent connection per thread — and
/// counts what failed: refused or reset connections, timeouts, non-200 answers. A kept-alive
/// connection the server closed while idle is retried once on a new connection, as HTTP
/// clients do for idempotent requests; those retries are counted apart, not as failures.
final class LoadGenerator: Sendable {
    struct Counts {
        var sent = 0
        var failed = 0
        var failures: [String: Int] = [:]
        var retried = 0
    }

    let port: UInt16
    let host: String
    let rate: Double
    let threads: Int
    let keepAlive: Bool
    private let running = Atomic<Bool>(false)
    private let counts = Mutex(Counts())
    private let finished = Atomic<Int>(0)

    init(port: Int, host: String, rate: Double, threads: Int = 8, keepAlive: Bool = false) {
        self.keepAlive = keepAlive
        self.port = UInt16(port)
        self.host = host
        self.rate = rate
        self.threads = threads
    }

    func start() {
        running.store(true, ordering: .sequentiallyConsistent)
        for _ in 0..<threads {
            Thread.detachNewThread { [self] in
                loop()
                finished.add(1, ordering: .sequentiallyConsistent)
            }
        }
    }

    /// Stops the threads and returns what they counted.
    func stop() -> Counts {
        running.store(false, ordering: .sequentiallyConsistent)
        while finished.load(ordering: .sequentiallyConsistent) < threads { usleep(1000) }
        return counts.withLock { $0 }
    }

    /// Takes the counts so far and starts counting afresh.
    func reset() -> Counts {
        counts.withLock { current in
            defer { current = Counts() }
            return current
        }
    }

    private func loop() {
        let interval = Double(threads) / rate
        var next = Date().timeIntervalSince1970
        var connection: Int32 = -1
        defer { if connection >= 0 { close(connection) } }
        while running.load(ordering: .sequentiallyConsistent) {
            var outcome: String?
            var retried = false
            if keepAlive {
                let reused = connection >= 0
                outcome = keptAliveRequest(&connection)
                if outcome != nil, reused, outcome == "closed by the server" {
                    retried = true
                    outcome = keptAliveRequest(&connection)
                }
            } else {
                outcome = request()
            }
            counts.withLock {
                if retried { $0.retried += 1 }
                $0.sent += 1
                if let outcome {
                    $0.failed += 1
                    $0.failures[outcome, default: 0] += 1
                }
            }
            next += interval
            let wait = next - Date().timeIntervalSince1970
            if wait > 0 { usleep(useconds_t(wait * 1_000_000)) } else { next = Date().timeIntervalSince1970 }
        }
    }

    /// One request on `connection` (opened when -1, closed and reset to -1 after a failure);
    /// nil when it got HTTP 200, else why it failed.
    private func keptAliveRequest(_ connection: inout Int32) -> String? {
        if connection < 0 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return "socket" }
            if let failure = connect(fd) { close(fd); return failure }
            connection = fd
        }
        let fd = connection
        func fail(_ why: String) -> String { close(fd); connection = -1; return why }
        let request = Array("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return fail("closed by the server")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var expected: Int?
        while expected.map({ response.count < $0 }) ?? true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                return fail(response.isEmpty ? "closed by the server" : "recv after data: \(count == 0 ? "EOF" : String(cString: strerror(errno)))")
            }
            response.append(contentsOf: buffer[..<count])
            if expected == nil, let end = response.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: response[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = end.upperBound + length
            }
        }
        let statusLine = String(decoding: response.prefix(while: { $0 != 13 }), as: UTF8.self)
        if !statusLine.hasPrefix("HTTP/1.1 200") { return fail(statusLine) }
        return nil
    }

    private func connect(_ fd: Int32) -> String? {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return connected == 0 ? nil : "connect: \(String(cString: strerror(errno)))"
    }

    /// One request on a new connection; nil when it got HTTP 200, else why it failed.
    private func request() -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "socket" }
        defer { close(fd) }
        if let failure = connect(fd) { return failure }
        let request = Array("GET / HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return "send: \(String(cString: strerror(errno)))"
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            if count < 0 { return response.isEmpty ? "recv: \(String(cString: strerror(errno)))" : "recv after data: \(String(cString: strerror(errno)))" }
            response.append(contentsOf: buffer[..<count])
        }
        let statusLine = String(decoding: response.prefix(while: { $0 != 13 }), as: UTF8.self)
        return statusLine.hasPrefix("HTTP/1.1 200") ? nil : (statusLine.isEmpty ? "empty response" : statusLine)
    }
}
