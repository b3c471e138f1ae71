import Drivers
import Foundation
import Spec
import State

/// Who is calling: the key's team and role, and its public id for the audit log.
public struct Principal: Sendable, Hashable {
    public var keyID: String
    public var team: ResourceName
    public var role: Role
    /// The name its creator gave the key (`ci-deploy`), when it has one.
    public var keyName: String?

    public init(keyID: String, team: ResourceName, role: Role, keyName: String? = nil) {
        self.keyID = keyID
        self.team = team
        self.role = role
        self.keyName = keyName
    }

    /// Who a revision, a secret or a login says made it: the key's name, else its id.
    public var author: String { keyName.flatMap { $0.isEmpty ? nil : $0 } ?? keyID }
}

/// Turns a presented key into a principal: parsed, hashed, looked up by its hash (one indexed
/// row on PostgreSQL, cached until a revocation is announced), and compared in constant time.
public struct Authenticator: Sendable {
    public let keys: any KeyStore
    public let time: any TimeSource

    public init(keys: any KeyStore, time: any TimeSource = SystemTime()) {
        self.keys = keys
        self.time = time
    }

    /// The principal for `presented`, or nil for a malformed, unknown or revoked key.
    public func authenticate(_ presented: String) async throws -> Principal? {
        guard let key = APIKey(parsing: presented) else { return nil }
        let hash = key.hash
        // The lookup finds a row by the hash of a 256-bit secret (its timing tells nothing
        // about another key); the comparison itself does not stop at the first difference.
        guard let match = try await keys.key(hash: hash), constantTimeEquals(match.hash, hash),
              match.revokedAt == nil, match.team == key.team, match.role == key.role.rawValue
        else { return nil }
        return Principal(keyID: match.id, team: key.team, role: key.role, keyName: match.name)
    }

    /// Creates and stores a key; returns it — the only time its text exists.
    public func createKey(team: ResourceName, role: Role, name: String, createdBy: String) async throws -> (key: APIKey, record: KeyRecord) {
        let key = APIKey.generate(team: team, role: role)
        let record = KeyRecord(id: key.id, hash: key.hash, team: team, role: role.rawValue, name: name, createdAt: time.now(), createdBy: createdBy)
        try await keys.add(record)
        return (key, record)
    }
}
