/// A login to a registry, in clear only on its way to the engine (`X-Registry-Auth`) for one
/// pull. Its description never shows the password.
public struct RegistryAuth: Sendable, Hashable, CustomStringConvertible {
    public var username: String
    public var password: String
    /// The registry host (and port) the login is for.
    public var server: String

    public init(username: String, password: String, server: String) {
        self.username = username
        self.password = password
        self.server = server
    }

    public var description: String { "\(username)@\(server)" }
}

/// How far a pull has come: bytes of the image's layers downloaded of those known so far.
public struct PullProgress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var current: Int64
    public var total: Int64

    public init(current: Int64, total: Int64) {
        self.current = current
        self.total = total
    }

    /// `pulling 12.3/40.1 MB`.
    public var description: String {
        func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_000_000) }
        return "pulling \(megabytes(current))/\(megabytes(total)) MB"
    }
}
