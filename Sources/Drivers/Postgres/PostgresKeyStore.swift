import Foundation
import Logging
import PostgresNIO
import Spec
import State
import Synchronization

/// API keys (hashes only) and the audit log in PostgreSQL, shared by every controller and by
/// `codeb keys create` on any host. Needs the schema `PostgresStore.migrate()` creates.
public struct PostgresKeyStore: KeyStore {
    public let database: PostgresDatabase
    public let retention: AuditRetention
    /// When rows past `retention.maxAge` were last deleted (by this store value and its copies).
    private let pruned = LastPrune()
    let logger: Logger

    public init(database: PostgresDatabase, retention: AuditRetention = .standard, logger: Logger = Logger(label: "codeb.keys")) {
        self.database = database
        self.retention = retention
        self.logger = logger
    }

    public func keys() async throws -> [KeyRecord] {
        try await database.run { [database, logger] in
            let rows = try await database.client.query("""
                SELECT id, hash, team, role, name, created_at, created_by, revoked_at FROM api_keys ORDER BY created_at, id
                """, logger: logger)
            var keys: [KeyRecord] = []
            for try await row in rows.decode(Self.Row.self) { keys.append(try Self.record(row)) }
            return keys
        }
    }

    /// One indexed row (`hash` is unique), or the cache while announcements arrive.
    public func key(hash: String) async throws -> KeyRecord? {
        if let cached = database.keyCache.get(hash) { return cached }
        let epoch = database.keyCache.epoch
        let found = try await database.run { [database, logger] in
            let rows = try await database.client.query("""
                SELECT id, hash, team, role, name, created_at, created_by, revoked_at FROM api_keys WHERE hash = \(hash)
                """, logger: logger)
            var found: KeyRecord?
            for try await row in rows.decode(Self.Row.self) { found = try Self.record(row) }
            return found
        }
        if let found { database.keyCache.put(found.hash, found, readAt: epoch) }
        return found
    }

    /// Tells every controller (this one included) to forget the keys it cached.
    static func announceKeysChanged(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(PostgresStore.channel), \(PostgresStore.keysChanged))", logger: logger)
    }

    public func add(_ key: KeyRecord) async throws {
        try await database.run { [database, logger] in
            try await database.client.withTransaction(logger: logger) { connection in
                try await connection.query("INSERT INTO teams (name) VALUES (\(key.team.value)) ON CONFLICT DO NOTHING", logger: logger)
                try await connection.query("""
                    INSERT INTO api_keys (id, hash, team, role, name, created_at, created_by, revoked_at)
                    VALUES (\(key.id), \(key.hash), \(key.team.value), \(key.role), \(key.name), \(key.createdAt), \(key.createdBy), \(key.revokedAt))
                    """, logger: logger)
            }
        }
    }

    public func revoke(id: String, at time: Date) async throws -> KeyRecord? {
        defer { database.keyCache.clear() }
        return try await database.run { [database, logger] in
            try await database.client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query("""
                    UPDATE api_keys SET revoked_at = \(time) WHERE id = \(id) AND revoked_at IS NULL
                    RETURNING id, hash, team, role, name, created_at, created_by, revoked_at
                    """, logger: logger)
                var revoked: KeyRecord?
                for try await row in rows.decode(Self.Row.self) { revoked = try Self.record(row) }
                try await Self.announceKeysChanged(on: connection, logger: logger)
                return revoked
            }
        }
    }

    public func audit(_ entry: AuditEntry) async throws {
        try await database.run { [database, logger] in
            try await database.client.withConnection { connection in
                _ = try await connection.query("""
                    INSERT INTO audit_log (at, key_id, team, action, target, result, detail, reason)
                    VALUES (\(entry.time), \(entry.keyID), \(entry.team), \(entry.action), \(entry.target), \(entry.result), \(entry.detail), \(entry.reason))
                    """, logger: logger)
            }
        }
        try await pruneIfDue(now: entry.time)
    }

    /// Deletes rows older than the retention, at most once an hour per process.
    func pruneIfDue(now: Date) async throws {
        let due = pruned.time.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= 3600 }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let cutoff = now.addingTimeInterval(-retention.maxAge)
        try await database.run { [database, logger] in
            _ = try await database.client.query("DELETE FROM audit_log WHERE at < \(cutoff)", logger: logger)
        }
    }

    public func auditLog(team: String?, limit: Int, before: Date?) async throws -> [AuditEntry] {
        try await database.run { [database, logger] in
            let rows = try await database.client.query("""
                SELECT at, key_id, team, action, target, result, detail, reason FROM (
                    SELECT * FROM audit_log WHERE (\(team)::text IS NULL OR team = \(team)) AND (\(before)::timestamptz IS NULL OR at < \(before))
                    ORDER BY id DESC LIMIT \(limit)
                ) newest ORDER BY id
                """, logger: logger)
            var entries: [AuditEntry] = []
            for try await (at, keyID, team, action, target, result, detail, reason) in rows.decode((Date, String, String, String, String, String, String, String?).self) {
                entries.append(AuditEntry(time: at, keyID: keyID, team: team, action: action, target: target, result: result, detail: detail, reason: reason))
            }
            return entries
        }
    }

    private final class LastPrune: Sendable {
        let time = Mutex<Date?>(nil)
    }

    public func teams() async throws -> [TeamRecord] {
        try await database.run { [database, logger] in
            try await Self.teams(try await database.client.query(Self.teamsQuery, logger: logger))
        }
    }

    /// The teams read on a connection of its own, for a one-shot reader that does not run the
    /// store's pool (`codeb doctor`).
    public static func teams(on connection: PostgresConnection, logger: Logger) async throws -> [TeamRecord] {
        try await teams(try await connection.query(teamsQuery, logger: logger))
    }

    private static let teamsQuery: PostgresQuery = "SELECT name, created_at, coalesce(created_by, ''), domains FROM teams ORDER BY name"

    private static func teams(_ rows: PostgresRowSequence) async throws -> [TeamRecord] {
        var teams: [TeamRecord] = []
        for try await (name, createdAt, createdBy, domains) in rows.decode((String, Date, String, String?).self) {
            guard let name = try? ResourceName(parsing: name) else { continue }
            teams.append(TeamRecord(name: name, createdAt: createdAt, createdBy: createdBy, domains: Self.domains(domains)))
        }
        return teams
    }

    public func addTeam(_ team: TeamRecord) async throws {
        try await database.run { [database, logger] in
            let rows = try await database.client.query("""
                INSERT INTO teams (name, created_at, created_by, domains) VALUES (\(team.name.value), \(team.createdAt), \(team.createdBy), \(Self.column(team.domains)))
                ON CONFLICT DO NOTHING RETURNING name
                """, logger: logger)
            var inserted = false
            for try await _ in rows.decode(String.self) { inserted = true }
            guard inserted else { throw StoreError(.conflict, "team \(team.name) exists") }
        }
    }

    public func setTeamDomains(_ name: ResourceName, _ domains: [Hostname]?) async throws -> Bool {
        try await database.run { [database, logger] in
            let rows = try await database.client.query("UPDATE teams SET domains = \(Self.column(domains)) WHERE name = \(name.value) RETURNING name", logger: logger)
            var updated = false
            for try await _ in rows.decode(String.self) { updated = true }
            return updated
        }
    }

    /// Suffixes as the `domains` column holds them: comma-separated (a hostname has no comma), NULL for any.
    static func column(_ domains: [Hostname]?) -> String? { domains.map { $0.map(\.value).joined(separator: ",") } }

    static func domains(_ column: String?) -> [Hostname]? {
        column.map { $0.split(separator: ",").compactMap { try? Hostname(parsing: String($0)) } }
    }

    public func removeTeam(_ name: ResourceName) async throws -> Bool {
        defer { database.keyCache.clear() }
        return try await database.run { [database, logger] in
            try await database.client.withTransaction(logger: logger) { connection in
                try await connection.query("DELETE FROM api_keys WHERE team = \(name.value)", logger: logger)
                try await Self.announceKeysChanged(on: connection, logger: logger)
                // Its projects (if any) keep the row: the API refuses to delete a team with projects.
                let rows = try await connection.query("""
                    DELETE FROM teams t WHERE t.name = \(name.value)
                    AND NOT EXISTS (SELECT FROM projects p WHERE p.team = t.name) RETURNING name
                    """, logger: logger)
                var removed = false
                for try await _ in rows.decode(String.self) { removed = true }
                return removed
            }
        }
    }

    /// `id, hash, team, role, name, created_at, created_by, revoked_at`, as both queries select them.
    typealias Row = (String, String, String, String, String, Date, String, Date?)

    static func record(_ row: Row) throws -> KeyRecord {
        let (id, hash, team, role, name, createdAt, createdBy, revokedAt) = row
        guard let team = try? ResourceName(parsing: team) else {
            throw StoreError(.corrupt, "api key \(id) names team \(team), which is not a valid name; revoke it")
        }
        return KeyRecord(id: id, hash: hash, team: team, role: role, name: name, createdAt: createdAt, createdBy: createdBy, revokedAt: revokedAt)
    }
}
