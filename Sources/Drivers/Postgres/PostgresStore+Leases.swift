import Foundation
import Logging
import PostgresNIO
import Spec
import State

/// Leases in the `leases` table, timed by the database's clock (controllers' clocks may
/// disagree): a row per environment naming the holding controller and until when it holds.
/// `run()` renews every lease this controller holds each third of the TTL, in one statement,
/// and on shutdown deletes them and announces the keys, so another controller takes over at
/// once rather than after the TTL. A lease taken or renewed less than half a TTL ago is known
/// held without asking the database, so a resync of a converged host costs no lease statement.
extension PostgresStore: LeaseKeeper {
    public func acquire(_ key: EnvironmentKey) async throws -> LeaseOutcome {
        try requireSchema()
        if let since = heldLeases.withLock({ $0[key] }), ContinuousClock.now - since < leaseTTL / 2 { return .held }
        let asked = ContinuousClock.now
        let (project, environment) = (key.project.value, key.environment.value)
        let (me, node, seconds) = (controllerID, self.node.value, Self.seconds(leaseTTL))
        return try await database.run { [database, logger] in
            try await database.client.withConnection { connection in
                let taken = try await connection.query("""
                    INSERT INTO leases (project, environment, holder, node, expires_at)
                    VALUES (\(project), \(environment), \(me), \(node), now() + make_interval(secs => \(seconds)))
                    ON CONFLICT (project, environment) DO UPDATE SET
                        holder = EXCLUDED.holder, node = EXCLUDED.node, expires_at = EXCLUDED.expires_at
                        WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
                    RETURNING holder
                    """, logger: logger)
                var held = false
                for try await _ in taken.decode(String.self) { held = true }
                if held {
                    self.heldLeases.withLock { $0[key] = asked }
                    return .held
                }
                _ = self.heldLeases.withLock { $0.removeValue(forKey: key) }
                let holders = try await connection.query("SELECT node FROM leases WHERE project = \(project) AND environment = \(environment)", logger: logger)
                var holder = "another controller"
                for try await node in holders.decode(String.self) { holder = node }
                return .heldElsewhere(node: holder)
            }
        }
    }

    public func release(_ key: EnvironmentKey) async throws {
        try requireSchema()
        _ = heldLeases.withLock { $0.removeValue(forKey: key) }
        let (project, environment, me) = (key.project.value, key.environment.value, controllerID)
        try await database.run { [database, logger] in
            try await database.client.withConnection { connection in
                _ = try await connection.query("""
                    DELETE FROM leases WHERE project = \(project) AND environment = \(environment) AND holder = \(me)
                    """, logger: logger)
            }
        }
    }

    /// Renews every lease this controller holds, until cancelled.
    func renewLeases() async {
        let interval = leaseTTL / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard isMigrated, !Task.isCancelled else { continue }
            let (me, seconds) = (controllerID, Self.seconds(leaseTTL))
            let asked = ContinuousClock.now
            do {
                let renewed = try await database.run { [database, logger] in
                    try await database.client.withConnection { connection in
                        let rows = try await connection.query("""
                            UPDATE leases SET expires_at = now() + make_interval(secs => \(seconds))
                            WHERE holder = \(me) AND expires_at >= now()
                            RETURNING project, environment
                            """, logger: logger)
                        var keys: [EnvironmentKey] = []
                        for try await (project, environment) in rows.decode((String, String).self) {
                            if let key = try? Self.key(project, environment) { keys.append(key) }
                        }
                        return keys
                    }
                }
                // Exactly the renewed ones are known held; one that lapsed is asked for again.
                heldLeases.withLock { held in held = Dictionary(renewed.map { ($0, asked) }, uniquingKeysWith: { $1 }) }
            } catch {
                heldLeases.withLock { $0.removeAll() }
                logger.warning("cannot renew leases; other controllers take over this node's environments if it lasts", metadata: ["error": "\(database.explain(error))"])
            }
        }
    }

    /// Drops this controller's leases and wakes the others for those environments.
    func releaseAll() async {
        guard isMigrated else { return }
        let me = controllerID
        do {
            try await database.run { [database, logger] in
                try await database.client.withTransaction(logger: logger) { connection in
                    self.heldLeases.withLock { $0.removeAll() }
                    let released = try await connection.query("DELETE FROM leases WHERE holder = \(me) RETURNING project, environment", logger: logger)
                    var keys: [String] = []
                    for try await (project, environment) in released.decode((String, String).self) { keys.append("\(project)/\(environment)") }
                    for key in keys {
                        _ = try await connection.query("SELECT pg_notify(\(Self.channel), \(key))", logger: logger)
                    }
                }
            }
        } catch {
            logger.warning("cannot release leases; other controllers take over when they expire", metadata: ["error": "\(database.explain(error))"])
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        duration.inSeconds
    }
}

extension PostgresStore {
    /// How many environments' leases this controller knows it holds (`codeb_leases_held`).
    public var leasesHeld: Int { heldLeases.withLock { $0.count } }
}
