import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sends GETs at a steady rate, each on a new TCP connection (`Connection: close`), from a few
/// threads, and counts what failed: refused or reset connections, timeouts, non-200 answers.
final class LoadGenerator: Sendable {
    struct Counts {
        var sent = 0
        var failed = 0
        var failures: [String: Int] = [:]
    }

    let port: UInt16
    let host: String
    let rate: Double
    let threads: Int
    private let running = Atomic<Bool>(false)
    private let counts = Mutex(Counts())
    private let finished = Atomic<Int>(0)

    init(port: Int, host: String, rate: Double, threads: Int = 8) {
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
        while running.load(ordering: .sequentiallyConsistent) {
            let outcome = request()
            counts.withLock {
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

    /// One request; nil when it got HTTP 200, else why it failed.
    private func request() -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "socket" }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return "connect: \(String(cString: strerror(errno)))" }
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
