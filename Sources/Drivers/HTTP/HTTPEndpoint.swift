import Foundation
import State

/// Where an HTTP API listens: a TCP address or a unix socket.
public enum HTTPEndpoint: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// Parses `127.0.0.1:2019`, `localhost:2019`, `[::1]:2019`, `unix//run/caddy.sock` (Caddy's
    /// spelling), `unix:///run/docker.sock` or an absolute socket path.
    public init(parsing text: String) throws(EndpointError) {
        if text.hasPrefix("unix:///") {
            self = .unix(path: String(text.dropFirst("unix://".count)))
        } else if text.hasPrefix("unix//") {
            self = .unix(path: String(text.dropFirst("unix/".count)))
        } else if text.hasPrefix("/") {
            self = .unix(path: text)
        } else {
            var rest = Substring(text)
            if rest.hasPrefix("http://") { rest = rest.dropFirst("http://".count) }
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
                  (1...65535).contains(port), colon != rest.startIndex
            else {
                throw EndpointError(text: text)
            }
            var host = String(rest[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains("/") else { throw EndpointError(text: text) }
            self = .tcp(host: host, port: port)
        }
    }

    /// The URL for `pathAndQuery` (which starts with `/`), in AsyncHTTPClient's spelling.
    func url(_ pathAndQuery: String) -> String {
        switch self {
        case .tcp(let host, let port):
            let shown = host.contains(":") ? "[\(host)]" : host
            return "http://\(shown):\(port)\(pathAndQuery)"
        case .unix(let path):
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? path
            return "http+unix://\(encoded)\(pathAndQuery)"
        }
    }

    var isUnix: Bool {
        if case .unix = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix//\(path.hasPrefix("/") ? String(path.dropFirst()) : path)"
        }
    }
}

/// An address that is neither `host:port` nor a unix socket path.
public struct EndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String

    public var description: String {
        "`\(text)` is not an address: write host:port (e.g. 127.0.0.1:2019) or a unix socket path (e.g. /run/caddy/admin.sock)"
    }
}
