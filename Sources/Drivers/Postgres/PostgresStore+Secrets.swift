import Foundation
import Logging
import PostgresNIO
import Spec
import State

/// Secrets in `secret_versions`/`secret_values`, registry logins in `registry_credentials`,
/// sealed as they come. An update is one transaction under an advisory lock per project (or per
/// team, for registries), so two controllers setting secrets at once make two versions in turn.
extension PostgresStore: SecretStore {
    /// First key of the advisory locks that serialize updates of one project's secrets.
    static let secretsLockClass: Int32 = 0x636F_6473
    /// First key of the advisory locks that serialize updates of one team's registry logins.
    static let registriesLockClass: Int32 = 0x636F_6472
    /// First key of the advisory lock that serializes updates of the keyring.
    static let keyringLockClass: Int32 = 0x636F_646B

    public func secrets(_ owner: SecretOwner) async throws -> SecretSet {
        try requireSchema()
        return try await database.run { [database, logger] in
            try await database.client.withConnection { connection in
                try await Self.loadSecrets(owner, on: connection, logger: logger)
            }
        }
    }

    public func updateSecrets<T: Sendable>(
        _ owner: SecretOwner, _ body: @escaping @Sendable (inout SecretSet) throws -> T
    ) async throws -> T {
        try await locked(Self.secretsLockClass, owner.description, body,
                         load: { try await Self.loadSecrets(owner, on: $0, logger: $1) },
                         write: { old, new, connection, logger in try await Self.writeSecrets(owner, old: old, new: new, on: connection, logger: logger) })
    }

    public func registries(_ team: ResourceName) async throws -> RegistrySet {
        try requireSchema()
        return try await database.run { [database, logger] in
            try await database.client.withConnection { connection in
                try await Self.loadRegistries(team, on: connection, logger: logger)
            }
        }
    }

    public func updateRegistries<T: Sendable>(
        _ team: ResourceName, _ body: @escaping @Sendable (inout RegistrySet) throws -> T
    ) async throws -> T {
        try await locked(Self.registriesLockClass, team.value, body,
                         load: { try await Self.loadRegistries(team, on: $0, logger: $1) },
                         write: { _, new, connection, logger in
                             try await connection.query("DELETE FROM registry_credentials WHERE team = \(team.value)", logger: logger)
                             for credential in new.credentials {
                                 try await connection.query("""
                                     INSERT INTO registry_credentials (team, host, username, key_id, box, author, at)
                                     VALUES (\(team.value), \(credential.host.value), \(credential.username), \(credential.sealedPassword.keyID),
                                             \(credential.sealedPassword.box), \(credential.author), \(credential.at))
                                     """, logger: logger)
                             }
                         })
    }

    /// Reads, changes and writes one document in one transaction under an advisory lock
    /// (`lockClass`, `lockName`); nothing is written when `body` throws or changes nothing.
    private func locked<Document: Equatable & Sendable, T: Sendable>(
        _ lockClass: Int32, _ lockName: String, _ body: @escaping @Sendable (inout Document) throws -> T,
        load: @escaping @Sendable (PostgresConnection, Logger) async throws -> Document,
        write: @escaping @Sendable (Document, Document, PostgresConnection, Logger) async throws -> Void
    ) async throws -> T {
        try requireSchema()
        return try await database.run { [database, logger] in
            try await database.client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockClass), hashtext(\(lockName)))", logger: logger)
                let old = try await load(connection, logger)
                var new = old
                let result: T
                do {
                    result = try body(&new)
                } catch {
                    throw PostgresDatabase.PassThrough(error: error)
                }
                if new != old { try await write(old, new, connection, logger) }
                return result
            }
        }
    }

    public func secretOwners() async throws -> [SecretOwner] {
        try requireSchema()
        return try await database.run { [database, logger] in
            var owners: [SecretOwner] = []
            let rows = try await database.client.query("SELECT team, project FROM secret_versions ORDER BY team, project", logger: logger)
            for try await (team, project) in rows.decode((String, String).self) {
                owners.append(SecretOwner(team: try ResourceName(parsing: team), project: try ResourceName(parsing: project)))
            }
            return owners
        }
    }

    public func registryTeams() async throws -> [ResourceName] {
        try requireSchema()
        return try await database.run { [database, logger] in
            var teams: [ResourceName] = []
            let rows = try await database.client.query("SELECT DISTINCT team FROM registry_credentials ORDER BY team", logger: logger)
            for try await team in rows.decode(String.self) { teams.append(try ResourceName(parsing: team)) }
            return teams
        }
    }

    public func keyring() async throws -> Keyring {
        try requireSchema()
        return try await database.run { [database, logger] in
            try await database.client.withConnection { connection in try await Self.loadKeyring(on: connection, logger: logger) }
        }
    }

    public func updateKeyring<T: Sendable>(_ body: @escaping @Sendable (inout Keyring) throws -> T) async throws -> T {
        try await locked(Self.keyringLockClass, "keyring", body,
                         load: { try await Self.loadKeyring(on: $0, logger: $1) },
                         write: { _, new, connection, logger in
                             let document = String(decoding: try Self.keyringEncoder.encode(new), as: UTF8.self)
                             try await connection.query("""
                                 INSERT INTO secret_keyring (id, document) VALUES (1, \(document))
                                 ON CONFLICT (id) DO UPDATE SET document = excluded.document
                                 """, logger: logger)
                         })
    }

    static let keyringEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func loadKeyring(on connection: PostgresConnection, logger: Logger) async throws -> Keyring {
        let rows = try await connection.query("SELECT document FROM secret_keyring WHERE id = 1", logger: logger)
        for try await document in rows.decode(String.self) {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Keyring.self, from: Data(document.utf8))
        }
        return Keyring()
    }

    public func forgetTeam(_ team: ResourceName) async throws {
        try requireSchema()
        try await database.run { [database, logger] in
            try await database.client.withTransaction(logger: logger) { connection in
                try await connection.query("DELETE FROM secret_values WHERE team = \(team.value)", logger: logger)
                try await connection.query("DELETE FROM secret_versions WHERE team = \(team.value)", logger: logger)
                try await connection.query("DELETE FROM registry_credentials WHERE team = \(team.value)", logger: logger)
            }
        }
    }

    // MARK: Rows

    static func loadSecrets(_ owner: SecretOwner, on connection: PostgresConnection, logger: Logger) async throws -> SecretSet {
        let team = owner.team.value, project = owner.project.value
        var set = SecretSet()
        for try await version in try await connection.query(
            "SELECT version FROM secret_versions WHERE team = \(team) AND project = \(project)", logger: logger
        ).decode(Int.self) {
            set.version = version
        }
        let rows = try await connection.query("""
            SELECT version, name, scope, key_id, box, author, at FROM secret_values
            WHERE team = \(team) AND project = \(project) ORDER BY version, name
            """, logger: logger)
        for try await (version, name, scope, keyID, box, author, at) in rows.decode((Int, String, String, String?, Data?, String, Date).self) {
            do {
                let sealed = keyID.flatMap { id in box.map { SealedValue(keyID: id, box: $0) } }
                set.entries.append(SecretEntry(
                    version: version, name: try EnvVarName(parsing: name),
                    scope: scope.isEmpty ? nil : try EnvironmentName(parsing: scope),
                    sealed: sealed, author: author, at: at
                ))
            } catch {
                throw StoreError(.corrupt, "a secret row of \(owner) cannot be read (\(error)); restore it from a backup")
            }
        }
        return set
    }

    /// Entries are added, or sealed again (key rotation); never removed.
    static func writeSecrets(_ owner: SecretOwner, old: SecretSet, new: SecretSet, on connection: PostgresConnection, logger: Logger) async throws {
        let team = owner.team.value, project = owner.project.value
        try await connection.query("""
            INSERT INTO secret_versions (team, project, version) VALUES (\(team), \(project), \(new.version))
            ON CONFLICT (team, project) DO UPDATE SET version = excluded.version
            """, logger: logger)
        let before = Dictionary(old.entries.map { ("\($0.version)/\($0.name)", $0) }, uniquingKeysWith: { first, _ in first })
        for entry in new.entries where before["\(entry.version)/\(entry.name)"] != entry {
            try await connection.query("""
                INSERT INTO secret_values (team, project, version, name, scope, key_id, box, author, at)
                VALUES (\(team), \(project), \(entry.version), \(entry.name.value), \(entry.scope?.value ?? ""),
                        \(entry.sealed?.keyID), \(entry.sealed?.box), \(entry.author), \(entry.at))
                ON CONFLICT (team, project, version, name) DO UPDATE SET key_id = excluded.key_id, box = excluded.box
                """, logger: logger)
        }
    }

    static func loadRegistries(_ team: ResourceName, on connection: PostgresConnection, logger: Logger) async throws -> RegistrySet {
        var set = RegistrySet()
        let rows = try await connection.query("""
            SELECT host, username, key_id, box, author, at FROM registry_credentials WHERE team = \(team.value) ORDER BY host
            """, logger: logger)
        for try await (host, username, keyID, box, author, at) in rows.decode((String, String, String, Data, String, Date).self) {
            do {
                set.credentials.append(RegistryCredential(
                    host: try RegistryHost(parsing: host), username: username,
                    sealedPassword: SealedValue(keyID: keyID, box: box), author: author, at: at
                ))
            } catch {
                throw StoreError(.corrupt, "a registry login of team \(team) cannot be read (\(error)); log in again")
            }
        }
        return set
    }
}
