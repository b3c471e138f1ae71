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
    /// Pumps still running per connection (keyed by its client descriptor).
    private var running: [Int32: Int] = [:]
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
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw ProxyError(message: "cannot listen on \(path): \(reason)")
        }
        lock.withLock { listener = fd }
        Thread.detachNewThread { [self] in acceptLoop(fd) }
    }

    /// Closes every connection and the listening socket; connecting fails until `resume()`.
    ///
    /// Only `shutdown` here, never `close`: a descriptor is closed by the thread that reads it,
    /// once nothing else can use its number. Closing it here while the accept loop or a pump
    /// was about to use it would let that thread act on whatever socket (of any code in this
    /// process — a PostgreSQL or Docker connection) was given the number next.
    public func cut() {
        lock.withLock {
            for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
            if listener >= 0 { shutdown(listener, Int32(SHUT_RDWR)) }
            listener = -1
        }
        unlink(path)
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
            guard client >= 0 else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                // Cut (or failed): this loop is the only user of `fd`, so it closes it.
                close(fd)
                return
            }
            // A cut between accept and here: the new connection is dropped like the rest.
            guard lock.withLock({ listener == fd }) else {
                close(client)
                continue
            }
            let upstream = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard upstream >= 0, Self.withAddress(target, { connect(upstream, $0, $1) }) == 0 else {
                close(client)
                if upstream >= 0 { close(upstream) }
                continue
            }
            lock.withLock { _ = open.insert(client); _ = open.insert(upstream); _ = clients.insert(client); running[client] = 2 }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream, pair: client) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client, pair: client) }
        }
    }

    private func pump(from source: Int32, to destination: Int32, pair: Int32) {
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
        // Either side ending ends both. The two descriptors are closed only when both pumps of
        // the pair are done: until then the other pump may still read or write its numbers,
        // and a number closed early may already belong to another connection in this process.
        lock.withLock {
            shutdown(source, Int32(SHUT_RDWR))
            shutdown(destination, Int32(SHUT_RDWR))
            let left = (running[pair] ?? 1) - 1
            running[pair] = left
            if left == 0 {
                running[pair] = nil
                _ = clients.remove(pair)
                for fd in [source, destination] where open.remove(fd) != nil { close(fd) }
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
