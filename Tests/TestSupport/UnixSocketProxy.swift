import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Forwards a unix socket to another (e.g. to dockerd's), and can cut every connection and
/// refuse new ones for a while — a daemon restart as its clients see it, without restarting
/// the daemon other tests are using.
public final class UnixSocketProxy: @unchecked Sendable {
    // @unchecked: every mutable field below is read and written only while holding `lock`.
    private let lock = NSLock()
    private var listener: Int32 = -1
    private var open: Set<Int32> = []
    private var clients: Set<Int32> = []
    private var seenRequests: [String] = []
    public let path: String
    public let target: String

    /// Listens on `path` (default: a fresh name in the temp directory) and forwards to `target`.
    public init(target: String, path: String? = nil) throws {
        self.target = target
        self.path = path ?? NSTemporaryDirectory() + "codeb-proxy-\(UUID().uuidString.prefix(8)).sock"
        try resume()
    }

    /// Starts accepting connections again.
    public func resume() throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0, Self.withAddress(path, { bind(fd, $0, $1) }) == 0, listen(fd, 64) == 0 else {
            throw ProxyError(message: "cannot listen on \(path): \(String(cString: strerror(errno)))")
        }
        lock.withLock { listener = fd }
        Thread.detachNewThread { [self] in acceptLoop(fd) }
    }

    /// Closes every connection and the listening socket; connecting fails until `resume()`.
    public func cut() {
        let fd = lock.withLock { () -> Int32 in
            defer { listener = -1 }
            // Under the lock: a descriptor still in `open` is not closed yet, so its number
            // cannot have been reused by another connection (of this process) meanwhile.
            for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
            return listener
        }
        unlink(path)
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    public func stop() { cut() }

    /// The HTTP requests sent through the proxy so far, as `METHOD /path?query` (request lines
    /// read from what clients wrote): what a counting proxy in front of dockerd sees.
    public var requests: [String] { lock.withLock { seenRequests } }

    /// Forgets the requests seen so far.
    public func resetRequests() { lock.withLock { seenRequests.removeAll() } }

    /// Request lines in one chunk a client wrote (a request line is never split by these
    /// clients: each request is written whole).
    static func requestLines(in bytes: ArraySlice<UInt8>) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines: [String] = []
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), ["GET", "POST", "PUT", "DELETE", "HEAD"].contains(String(parts[0])) else { continue }
            lines.append("\(parts[0]) \(parts[1])")
        }
        return lines
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard upstream >= 0, Self.withAddress(target, { connect(upstream, $0, $1) }) == 0 else {
                close(client)
                if upstream >= 0 { close(upstream) }
                continue
            }
            lock.withLock { _ = open.insert(client); _ = open.insert(upstream); _ = clients.insert(client) }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client) }
        }
    }

    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            if lock.withLock({ clients.contains(source) }) {
                let lines = Self.requestLines(in: buffer[0..<count])
                if !lines.isEmpty { lock.withLock { seenRequests += lines } }
            }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + offset, count - offset) }
                guard written > 0 else { break }
                offset += written
            }
            if offset < count { break }
        }
        // Either side ending ends both; each pump closes the descriptor it reads from, exactly
        // once. All under the lock, and only descriptors still open: once the other pump closed
        // `destination`, its number may already belong to a new connection (of any proxy in
        // this process), which a late shutdown would cut.
        lock.withLock {
            if open.contains(destination) { shutdown(destination, Int32(SHUT_RDWR)) }
            _ = clients.remove(source)
            if open.remove(source) != nil {
                shutdown(source, Int32(SHUT_RDWR))
                close(source)
            }
        }
    }

    private static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}

public struct ProxyError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
