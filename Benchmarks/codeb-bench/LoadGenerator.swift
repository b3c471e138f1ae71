import Foundation
import Synchronization
import TestSupport
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
    /// What each request asks for.
    let path: String
    private let running = Atomic<Bool>(false)
    private let counts = Mutex(Counts())
    private let finished = Atomic<Int>(0)

    init(port: Int, host: String, rate: Double, threads: Int = 8, keepAlive: Bool = false, path: String = "/") {
        self.keepAlive = keepAlive
        self.path = path
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
            switch open() {
            case .success(let fd): connection = fd
            case .failure(let failure): return failure.description
            }
        }
        let fd = connection
        func fail(_ why: String) -> String { close(fd); connection = -1; return why }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
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

    /// A connection to the target whose sends and receives give up after 5 s.
    private func open() -> Result<Int32, Loopback.Failure> {
        Loopback.connect(port: Int(port), timeoutSeconds: 5)
    }

    /// One request on a new connection; nil when it got HTTP 200, else why it failed.
    private func request() -> String? {
        let fd: Int32
        switch open() {
        case .success(let opened): fd = opened
        case .failure(let failure): return failure.description
        }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
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
