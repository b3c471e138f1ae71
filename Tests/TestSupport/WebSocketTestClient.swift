import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal WebSocket client (RFC 6455: the upgrade, masked text frames out, text frames in)
/// over a blocking socket with a read timeout, for tests that hold a connection open through
/// Caddy while deploys happen around it.
public final class WebSocketTestClient {
    private let fd: Int32

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects to 127.0.0.1:`port` and upgrades `path` with `Host: host`.
    public init(port: Int, host: String, path: String = "/ws", timeout: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)")
        }
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try send(Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8))
        var head: [UInt8] = []
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            head += try read(1)
            if head.count > 16384 { throw Failure(description: "no end to the upgrade answer") }
        }
        let status = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
        guard status.contains(" 101 ") else {
            close(fd)
            throw Failure(description: "the upgrade was answered \(status)")
        }
    }

    deinit { close(fd) }

    /// Sends `text` and returns the next text frame's payload.
    public func echo(_ text: String) throws -> String {
        let payload = Array(text.utf8)
        precondition(payload.count < 126)
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        try send([0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        while true {
            let header = try read(2)
            var length = Int(header[1] & 0x7F)
            if length == 126 {
                let extended = try read(2)
                length = Int(extended[0]) << 8 | Int(extended[1])
            } else if length == 127 {
                throw Failure(description: "an answer too long for a test")
            }
            let body = try read(length)
            switch header[0] & 0x0F {
            case 1: return String(decoding: body, as: UTF8.self)
            case 8: throw Failure(description: "the server closed the WebSocket")
            default: continue  // ping, pong, continuation: not what is awaited
            }
        }
    }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno) (the connection is gone)") }
            sent += n
        }
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            guard n > 0 else {
                throw Failure(description: n == 0 ? "the connection was closed" : "recv: errno \(errno) (no answer in time, or reset)")
            }
            got += n
        }
        return bytes
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
