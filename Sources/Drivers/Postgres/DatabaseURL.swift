import Foundation
import State

/// A parsed `postgres://user:password@host:port/database?sslmode=…` URL. `host=/dir` in the
/// query (or an empty host) selects a unix socket directory, as libpq does.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    /// A unix socket file (`{dir}/.s.PGSQL.{port}`) instead of TCP.
    public var socketPath: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Parses `text`; the error names what is wrong and never repeats the password.
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql" else {
            throw StoreError(.invalid, "--database-url must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE (got \(DatabaseURL.redact(text)))")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        for name in query.keys where !["sslmode", "host", "port", "user", "password"].contains(name) {
            throw StoreError(.invalid, "--database-url: unknown parameter \(name); codeb understands sslmode, host, port, user, password")
        }
        let socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = query["host"].flatMap { $0.hasPrefix("/") ? nil : $0 } ?? components.host.flatMap { $0.isEmpty ? nil : $0 } ?? (socketDirectory == nil ? "localhost" : "")
        let portText = query["port"] ?? components.port.map(String.init)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw StoreError(.invalid, "--database-url: port \(portText) is not a number between 1 and 65535")
            }
            self.port = port
        } else {
            port = 5432
        }
        user = query["user"] ?? components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        guard !user.isEmpty else { throw StoreError(.invalid, "--database-url names no user") }
        password = query["password"] ?? components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.removingPercentEncoding ?? path
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError(.invalid, "--database-url must name one database after the host, e.g. postgres://codeb@db.internal/codeb")
        }
        // Unsaid, TLS is required (and the server's certificate verified) for any database not
        // on this host: keys' hashes, sealed secrets and the audit log travel on this connection.
        // On loopback or a unix socket nothing is on the wire, and `prefer` is libpq's default.
        let local = socketDirectory != nil || Self.isLoopback(host)
        let mode = query["sslmode"] ?? (local ? "prefer" : "require")
        switch mode {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default: throw StoreError(.invalid, "--database-url: sslmode \(mode) is not one of disable, prefer, require")
        }
        socketPath = socketDirectory.map { "\($0)/.s.PGSQL.\(port)" }
    }

    /// `localhost` or a loopback address (127.0.0.0/8, ::1).
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil } && octets.first == "127"
    }

    /// Where it points, without the password: safe for logs and error messages.
    public var description: String {
        let location = socketPath ?? "\(host):\(port)"
        return "postgres://\(user)@\(location)/\(database)"
    }

    /// `text` with anything between `://user:` and `@` replaced, for messages about a URL that did not parse.
    static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text.range(of: "@", range: schemeEnd.upperBound..<text.endIndex),
              let colon = text.range(of: ":", range: schemeEnd.upperBound..<at.lowerBound) else { return text }
        return String(text[..<colon.upperBound]) + "***" + String(text[at.lowerBound...])
    }
}
