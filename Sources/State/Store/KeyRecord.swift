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
    /// `ok`, `denied` (the key may not), `unauthorized` (no valid key), `invalid` (a malformed
    /// request or spec) or `error`.
    public var result: String
    public var detail: String
    /// Why it was refused or failed, as a code (`forbidden`, `conflict`, `invalid_spec`, …);
    /// nil when it succeeded, and in entries written before reasons were recorded.
    public var reason: String?

    public init(time: Date, keyID: String, team: String, action: String, target: String, result: String, detail: String = "", reason: String? = nil) {
        self.reason = reason
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
    /// The key whose hash is `hash` (hashes are unique), revoked or not.
    func key(hash: String) async throws -> KeyRecord?
    func add(_ key: KeyRecord) async throws
    func revoke(id: String, at time: Date) async throws -> KeyRecord?
    func audit(_ entry: AuditEntry) async throws
    /// The newest `limit` entries (of `team`, or of every team), older than `before` when
    /// given (the next page: the oldest time of the previous one), oldest first. Reads only as
    /// much of the log as it needs.
    func auditLog(team: String?, limit: Int, before: Date?) async throws -> [AuditEntry]
    /// Registered teams, and the teams of keys.
    func teams() async throws -> [TeamRecord]
    /// Registers a team; one that exists is `.conflict`.
    func addTeam(_ team: TeamRecord) async throws
    /// Forgets a team and deletes its keys (they stop working at once); false when unknown.
    func removeTeam(_ name: ResourceName) async throws -> Bool
    /// Sets the domain suffixes the team may claim (nil: any domain); false when unknown.
    func setTeamDomains(_ name: ResourceName, _ domains: [Hostname]?) async throws -> Bool
}

extension KeyStore {
    public func auditLog(team: String?, limit: Int) async throws -> [AuditEntry] {
        try await auditLog(team: team, limit: limit, before: nil)
    }
}

/// A team registered by an owner (`codeb teams create`). Teams also come into being with their
/// first key or project; those are listed too.
public struct TeamRecord: Sendable, Hashable, Codable {
    public var name: ResourceName
    public var createdAt: Date
    public var createdBy: String
    /// The domain suffixes the team may claim (a domain is allowed when it is one of them or
    /// ends in `.` and one of them); nil: any domain, as before suffixes existed.
    public var domains: [Hostname]?

    public init(name: ResourceName, createdAt: Date, createdBy: String, domains: [Hostname]? = nil) {
        self.name = name
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.domains = domains
    }

    /// Whether the team may claim `domain`.
    public func allows(_ domain: Hostname) -> Bool {
        guard let domains else { return true }
        return domains.contains { domain.isWithin($0) }
    }
}
