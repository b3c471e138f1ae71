import Foundation
import Spec

/// A stored API key: its hash and what it may do, never the key itself.
public struct KeyRecord: Sendable, Hashable, Codable {
    /// The first 12 hex digits of the hash.
    public var id: String
    public var hash: String
    public var team: ResourceName
    public var role: String
    public var name: String
    public var createdAt: Date
    public var createdBy: String
    public var revokedAt: Date?

    public init(id: String, hash: String, team: ResourceName, role: String, name: String, createdAt: Date, createdBy: String, revokedAt: Date? = nil) {
        self.id = id
        self.hash = hash
        self.team = team
        self.role = role
        self.name = name
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.revokedAt = revokedAt
    }
}

/// One line of the audit log: who did (or tried) what to what, and how it ended.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var time: Date
    /// The key's id, or `-` for requests without a valid key.
    public var keyID: String
    public var team: String
    /// e.g. `apply`, `promote`, `keys.create`.
    public var action: String
    /// e.g. `shop/production`.
    public var target: String
    /// `ok`, `denied`, or `error`.
    public var result: String
    public var detail: String

    public init(time: Date, keyID: String, team: String, action: String, target: String, result: String, detail: String = "") {
        self.time = time
        self.keyID = keyID
        self.team = team
        self.action = action
        self.target = target
        self.result = result
        self.detail = detail
    }
}

/// Keys and the audit log. `FileKeyStore` keeps them in the state directory.
public protocol KeyStore: Sendable {
    func keys() async throws -> [KeyRecord]
    func add(_ key: KeyRecord) async throws
    func revoke(id: String, at time: Date) async throws -> KeyRecord?
    func audit(_ entry: AuditEntry) async throws
    func auditLog(team: String?, limit: Int) async throws -> [AuditEntry]
}
