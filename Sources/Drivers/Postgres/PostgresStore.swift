import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Spec
import State
import Support
import Synchronization

/// The shared store: environments, their history, slots, ports, domains, keys and the audit log
/// in PostgreSQL, for teams that run controllers on several hosts.
///
/// `update` is one transaction that takes a per-environment advisory lock, reads the state and
/// every other environment's claims, runs the body and writes what changed. Two updates of one
/// environment therefore queue; two environments claiming one port or domain at once are settled
/// by the tables' unique keys: the loser's transaction rolls back and runs again, and its body
/// then sees the winner's claim. Every committed change is recorded in `events` and announced
/// with `NOTIFY codeb_changes`, so every controller's `changes()` sees it at once.
///
/// `run()` (a `Service`) drives the connection pool and the LISTEN connection; it must run for
/// as long as the store is used.
public final class PostgresStore: Store, Service {
    /// The NOTIFY channel; the payload is `project/environment`.
    public static let channel = "codeb_changes"
    /// The payload announcing that API keys changed (a revocation, a team removed): not an
    /// environment key (`#` is never in a name).
    public static let keysChanged = "#keys"
    /// First key of the two-key advisory locks that serialize updates of one environment.
    static let environmentLockClass: Int32 = 0x636F_6462
    /// First key of the two-key advisory locks that serialize updates of one project, taken
    /// before the environment's.
    static let projectLockClass: Int32 = 0x636F_6470
    /// Serializes the per-node port check with the write that claims the ports.
    static let portsLockClass: Int32 = 0x636F_6450

    /// Another transaction claimed one of these ports on a shared node a moment ago: run again.
    struct PortRace: Error {}

    public let database: PostgresDatabase
    /// Names this controller in `events` and `leases`.
    public let controllerID: String
    /// This controller's host, named in its leases.
    public let node: NodeName
    /// How long a lease lasts unless renewed.
    public let leaseTTL: Duration
    let logger: Logger
    private let feed = ChangeFeed<EnvironmentKey>()
    private let listening = Flag()
    private let migrated = Flag()
    /// The store's identity, read once.
    private let storeID = Mutex<String?>(nil)
    /// Environments read while the change feed is up; see `StateCache`.
    let cache = StateCache()
    /// The leases this controller holds and when each was last taken or renewed; see
    /// `PostgresStore+Leases`.
    let heldLeases = Mutex<[EnvironmentKey: ContinuousClock.Instant]>([:])

    public init(
        database: PostgresDatabase, controllerID: String = UUID().uuidString.lowercased(), node: NodeName = NodeName.local,
        leaseTTL: Duration = .seconds(10), logger: Logger = Logger(label: "codeb.store")
    ) {
        self.database = database
        self.controllerID = controllerID
        self.node = node
        self.leaseTTL = leaseTTL
        self.logger = logger
    }

    /// Whether the LISTEN connection is up (changes by other controllers arrive at once).
    public var isListening: Bool { listening.isUp }

    /// Whether `migrate()` has succeeded; until then every operation is refused.
    public var isMigrated: Bool { migrated.isUp }

    /// Connects, checks the schema and the change feed: the daemon's /readyz check.
    public func check() async throws {
        try await database.ping()
        // The pool too: after an outage it reconnects with its own backoff.
        try await database.run { [database, logger] in
            try await database.client.withConnection { connection in
                _ = try await connection.query("SELECT 1", logger: logger)
            }
        }
        guard isMigrated else {
            throw StoreError(.io, "the database schema at \(database.url) is not set up yet; codeb retries the migration")
        }
        guard isListening else {
            throw StoreError(.io, "not listening for changes at \(database.url) yet; codeb reconnects")
        }
    }

    func requireSchema() throws {
        guard isMigrated else {
            throw StoreError(.io, "the database at \(database.url) is not ready (schema not migrated yet); codeb retries, try again shortly")
        }
    }

    // MARK: Store

    public func keys() async throws -> [EnvironmentKey] {
        try requireSchema()
        return try await StoreMetrics.timed("keys", "postgres") { try await database.run { [database, logger] in
            var keys: [EnvironmentKey] = []
            let rows = try await database.client.query("SELECT project, environment FROM environments ORDER BY project, environment", logger: logger)
            for try await (project, environment) in rows.decode((String, String).self) {
                keys.append(try Self.key(project, environment))
            }
            return keys
        } }
    }

    public func identity() async throws -> String {
        if let id = storeID.withLock({ $0 }) { return id }
        try requireSchema()
        let id = try await database.run { [database, logger] in
            var found: String?
            for try await id in try await database.client.query("SELECT id FROM store_identity", logger: logger).decode(String.self) { found = id }
            guard let found else { throw StoreError(.corrupt, "the database at \(database.url) has no store identity (table store_identity is empty); restore it from a backup") }
            return found
        }
        storeID.withLock { $0 = id }
        return id
    }

    public func load(_ key: EnvironmentKey) async throws -> EnvironmentState? {
        try requireSchema()
        if let cached = cache.get(key) { return cached }
        let epoch = cache.epoch
        let state = try await StoreMetrics.timed("load", "postgres") { try await database.run { [database, logger] in
            try await database.client.withConnection { connection in
                try await Self.load(key, on: connection, logger: logger)
            }
        } }
        cache.put(key, state, readAt: epoch)
        return state
    }

    public func update<T: Sendable>(
        _ key: EnvironmentKey, _ body: @escaping @Sendable (inout EnvironmentState?, Claims) throws -> T
    ) async throws -> T {
        try requireSchema()
        let (result, changed) = try await StoreMetrics.timed("update", "postgres") { try await database.run { [database, logger, controllerID] in
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try await database.client.withTransaction(logger: logger) { connection in
                        try await Self.transact(key, body, controllerID: controllerID, on: connection, logger: logger)
                    }
                } catch let error as PostgresTransactionError {
                    if attempt < 8, (error.cause as? PSQLError).map(Self.isRetryable) ?? (error.cause is PortRace) {
                        // Another environment took the same port or domain a moment ago, or
                        // the two transactions deadlocked: run again against the new state.
                        continue
                    }
                    throw error.cause
                }
            }
        } }
        if changed {
            cache.drop(key)
            feed.publish(key)
        }
        return result
    }

    public func changes() -> AsyncStream<EnvironmentKey> {
        feed.subscribe()
    }

    // MARK: Service

    /// Runs the pool and the LISTEN connection until cancelled, `stop()`ped or shut down.
    public func run() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Detached: PostgresClient.run() closes the pool on graceful shutdown by
                        // itself, and this store must outlive the loop's drain and hand its
                        // leases back first. It stops when this task is cancelled.
                        let pool = Task.detached { await self.database.client.run() }
                        await withTaskCancellationHandler { await pool.value } onCancel: { pool.cancel() }
                    }
                    group.addTask { await self.listen() }
                    group.addTask { await self.renewLeases() }
                    group.addTask {
                        await self.stopSignal.wait()
                        await self.releaseAll()
                    }
                    _ = await group.next()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
    }

    private let stopSignal = StopSignal()

    /// Ends `run()`.
    public func stop() {
        stopSignal.fire()
    }

    /// Applies migrations, on a connection of their own: the pool that `run()` starts may not
    /// be running yet, and leasing from it early only earns PostgresNIO's warning.
    public func migrate() async throws {
        let connection = try await database.connect()
        do {
            try await database.run { [logger] in
                try await PostgresSchema.migrate(connection, logger: logger)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        migrated.set(true)
    }

    private func listen() async {
        var backoff: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                try requireSchema()
                let connection = try await database.connect()
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: Self.channel) { notifications in
                    backoff = .milliseconds(200)
                    listening.set(true)
                    cache.setEnabled(true)
                    database.keyCache.setEnabled(true)
                    logger.debug("listening for changes", metadata: ["channel": "\(Self.channel)"])
                    // Anything committed while the connection was down: a level-triggered loop
                    // only needs the keys.
                    for key in (try? await keys()) ?? [] { feed.publish(key) }
                    for try await notification in notifications {
                        if notification.payload == Self.keysChanged {
                            database.keyCache.clear()
                        } else if let key = Self.key(payload: notification.payload) {
                            cache.drop(key)
                            feed.publish(key)
                        }
                    }
                }
            } catch {
                if !Task.isCancelled, isMigrated {
                    logger.warning("change feed from PostgreSQL interrupted", metadata: ["error": "\(database.explain(error))"])
                }
            }
            listening.set(false)
            cache.setEnabled(false)
            database.keyCache.setEnabled(false)
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    // MARK: Transactions

    static func isRetryable(_ error: PSQLError) -> Bool {
        // unique_violation, serialization_failure, deadlock_detected
        ["23505", "40001", "40P01"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    private static func transact<T: Sendable>(
        _ key: EnvironmentKey, _ body: @escaping @Sendable (inout EnvironmentState?, Claims) throws -> T,
        controllerID: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> (T, Bool) {
        // The project first, then the environment (always in this order, so never a deadlock):
        // which team owns a new project is decided by exactly one transaction.
        try await connection.query("SELECT pg_advisory_xact_lock(\(projectLockClass), hashtext(\(key.project.value)))", logger: logger)
        try await connection.query("SELECT pg_advisory_xact_lock(\(environmentLockClass), hashtext(\(key.description)))", logger: logger)
        let old = try await load(key, on: connection, logger: logger)
        let claims = try await claims(excluding: key, on: connection, logger: logger)
        var state = old
        let result: T
        do {
            result = try body(&state, claims)
        } catch {
            throw PostgresDatabase.PassThrough(error: error)
        }
        guard state != old else { return (result, false) }
        if let state, state.key != key {
            throw StoreError(.invalid, "an update of \(key) tried to store \(state.key)")
        }
        try await write(key, old: old, new: state, on: connection, logger: logger)
        let project = key.project.value, environment = key.environment.value
        try await connection.query("""
            INSERT INTO events (project, environment, generation, controller)
            VALUES (\(project), \(environment), \(state?.generation ?? 0), \(controllerID))
            """, logger: logger)
        try await connection.query("SELECT pg_notify(\(channel), \(key.description))", logger: logger)
        return (result, true)
    }

    static func load(_ key: EnvironmentKey, on connection: PostgresConnection, logger: Logger) async throws -> EnvironmentState? {
        let project = key.project.value, environment = key.environment.value
        let rows = try await connection.query("""
            SELECT e.team, e.blue_port, e.green_port, e.spare_port, e.promotion_approved, e.deleting, e.purge_data, e.status::text, e.maintenance::text, e.promotion_bake::text, e.restore::text, e.service_failures::text,
                coalesce((SELECT json_agg(r.data ORDER BY r.number) FROM revisions r
                          WHERE r.project = e.project AND r.environment = e.environment), '[]')::text,
                coalesce((SELECT json_object_agg(s.slot, s.data) FROM slots s
                          WHERE s.project = e.project AND s.environment = e.environment), '{}')::text
            FROM environments e WHERE e.project = \(project) AND e.environment = \(environment)
            """, logger: logger)
        var found: (String, Int, Int, Int?, Int?, Bool, Bool, String, String?, String?, String?, String?, String, String)?
        for try await row in rows.decode((String, Int, Int, Int?, Int?, Bool, Bool, String, String?, String?, String?, String?, String, String).self) { found = row }
        if let (team, bluePort, greenPort, sparePort, approved, deleting, purgeData, status, maintenance, promotionBake, restore, serviceFailures, revisions, slots) = found {
            do {
                let decoder = JSONDecoder()
                var ports = PortPair(blue: bluePort, spare: sparePort)
                ports.green = greenPort
                var state = EnvironmentState(key: key, team: try ResourceName(parsing: team), ports: ports)
                state.revisions = try decoder.decode([Revision].self, from: Data(revisions.utf8))
                let records = try decoder.decode([String: SlotRecord].self, from: Data(slots.utf8))
                if let blue = records["blue"] { state.blue = blue }
                if let green = records["green"] { state.green = green }
                state.promotionApproved = approved
                state.deleting = deleting
                state.purgeData = purgeData ? true : nil
                state.status = try decoder.decode(EnvironmentStatus.self, from: Data(status.utf8))
                state.maintenance = try maintenance.map { try decoder.decode(Maintenance.self, from: Data($0.utf8)) }
                state.promotionBake = try promotionBake.map { try decoder.decode(BakePolicy.self, from: Data($0.utf8)) }
                state.restore = try restore.map { try decoder.decode(ServiceRestore.self, from: Data($0.utf8)) }
                state.serviceFailures = try serviceFailures.map { try decoder.decode([String: ServiceChangeFailure].self, from: Data($0.utf8)) }
                return state
            } catch {
                throw StoreError(.corrupt, "the database row of \(key) cannot be read (\(error)); restore it from a backup or delete it")
            }
        }
        return nil
    }

    private static func claims(excluding key: EnvironmentKey, on connection: PostgresConnection, logger: Logger) async throws -> Claims {
        let project = key.project.value, environment = key.environment.value
        let rows = try await connection.query("""
            SELECT 'port', port::text || '@' || node, project, environment FROM ports
                WHERE NOT (project = \(project) AND environment = \(environment))
            UNION ALL
            SELECT 'domain', domain, project, environment FROM domains
                WHERE NOT (project = \(project) AND environment = \(environment))
            UNION ALL
            SELECT 'stem', stem, project, environment FROM name_claims
                WHERE NOT (project = \(project) AND environment = \(environment))
            UNION ALL
            (SELECT 'team', team, project, environment FROM environments
                WHERE project = \(project) AND environment <> \(environment) LIMIT 1)
            """, logger: logger)
        var claims = Claims()
        for try await (kind, value, otherProject, otherEnvironment) in rows.decode((String, String, String, String).self) {
            let owner = try Self.key(otherProject, otherEnvironment)
            switch kind {
            case "port":
                let parts = value.split(separator: "@", maxSplits: 1).map(String.init)
                guard let port = Int(parts[0]) else { continue }
                let node = parts.count == 2 && parts[1] != "*" ? try? NodeName(parsing: parts[1]) : nil
                if let index = claims.ports[port]?.firstIndex(where: { $0.key == owner }) {
                    if let node { claims.ports[port]?[index].nodes.append(node) }
                } else {
                    claims.claim(port, by: owner, on: node.map { [$0] } ?? [])
                }
            case "domain": if let domain = try? Hostname(parsing: value) { claims.domains[domain] = owner }
            case "stem": claims.stems[value] = owner
            default: claims.projectTeam = try? ResourceName(parsing: value)
            }
        }
        return claims
    }

    private static func write(_ key: EnvironmentKey, old: EnvironmentState?, new: EnvironmentState?, on connection: PostgresConnection, logger: Logger) async throws {
        let project = key.project.value, environment = key.environment.value
        guard let new else {
            try await connection.query("DELETE FROM environments WHERE project = \(project) AND environment = \(environment)", logger: logger)
            try await connection.query("""
                DELETE FROM projects p WHERE p.name = \(project)
                AND NOT EXISTS (SELECT FROM environments e WHERE e.project = p.name)
                """, logger: logger)
            return
        }
        let encoder = JSONEncoder()
        let team = new.team.value
        if old == nil {
            try await connection.query("INSERT INTO teams (name) VALUES (\(team)) ON CONFLICT DO NOTHING", logger: logger)
            try await connection.query("INSERT INTO projects (name, team) VALUES (\(project), \(team)) ON CONFLICT DO NOTHING", logger: logger)
        }
        let projectTeam = try await connection.query("SELECT team FROM projects WHERE name = \(project)", logger: logger)
        for try await owner in projectTeam.decode(String.self) where owner != team {
            // Decided under the project lock, so this is a broken invariant, not a race.
            throw StoreError(.conflict, "project \(project) belongs to another team; pick another project name")
        }
        let status = String(decoding: try encoder.encode(new.status), as: UTF8.self)
        let maintenance = try new.maintenance.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let promotionBake = try new.promotionBake.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let restore = try new.restore.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let serviceFailures = try new.serviceFailures.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try await connection.query("""
            INSERT INTO environments (project, environment, team, blue_port, green_port, spare_port, promotion_approved, deleting, purge_data, status, maintenance, promotion_bake, restore, service_failures, updated_at)
            VALUES (\(project), \(environment), \(team), \(new.ports.blue), \(new.ports.green), \(new.ports.spare), \(new.promotionApproved), \(new.deleting), \(new.purgeData ?? false), \(status)::jsonb, \(maintenance)::jsonb, \(promotionBake)::jsonb, \(restore)::jsonb, \(serviceFailures)::jsonb, now())
            ON CONFLICT (project, environment) DO UPDATE SET
                team = EXCLUDED.team, blue_port = EXCLUDED.blue_port, green_port = EXCLUDED.green_port, spare_port = EXCLUDED.spare_port,
                promotion_approved = EXCLUDED.promotion_approved, deleting = EXCLUDED.deleting, purge_data = EXCLUDED.purge_data,
                status = EXCLUDED.status, maintenance = EXCLUDED.maintenance, promotion_bake = EXCLUDED.promotion_bake, restore = EXCLUDED.restore, service_failures = EXCLUDED.service_failures, updated_at = now()
            """, logger: logger)
        let before = Dictionary((old?.revisions ?? []).map { ($0.number, $0) }, uniquingKeysWith: { $1 })
        for revision in new.revisions where before[revision.number] != revision {
            let data = String(decoding: try encoder.encode(revision), as: UTF8.self)
            try await connection.query("""
                INSERT INTO revisions (project, environment, number, template_hash, source, author, created_at, rollback_of, data)
                VALUES (\(project), \(environment), \(revision.number), \(revision.hash), \(revision.source.rawValue),
                        \(revision.author), \(revision.createdAt), \(revision.rollbackOf), \(data)::jsonb)
                ON CONFLICT (project, environment, number) DO UPDATE SET
                    template_hash = EXCLUDED.template_hash, source = EXCLUDED.source, author = EXCLUDED.author,
                    created_at = EXCLUDED.created_at, rollback_of = EXCLUDED.rollback_of, data = EXCLUDED.data
                """, logger: logger)
        }
        let kept = new.revisions.map(\.number)
        if before.keys.contains(where: { !kept.contains($0) }) {
            try await connection.query("""
                DELETE FROM revisions WHERE project = \(project) AND environment = \(environment) AND NOT (number = ANY(\(kept)))
                """, logger: logger)
        }
        for slot in SlotName.allCases where old?[slot] != new[slot] {
            let record = new[slot]
            let data = String(decoding: try encoder.encode(record), as: UTF8.self)
            try await connection.query("""
                INSERT INTO slots (project, environment, slot, state, revision, port, data)
                VALUES (\(project), \(environment), \(slot.rawValue), \(record.state.rawValue), \(record.revision), \(record.port), \(data)::jsonb)
                ON CONFLICT (project, environment, slot) DO UPDATE SET
                    state = EXCLUDED.state, revision = EXCLUDED.revision, port = EXCLUDED.port, data = EXCLUDED.data
                """, logger: logger)
        }
        if old?.ports != new.ports || old?.nodes != new.nodes {
            // One row per port and node ('*': any node). The key (port, node) settles two
            // environments of one node; one placed on any node against one placed on a named
            // node is settled here, one transaction at a time under the ports lock.
            try await connection.query("DELETE FROM ports WHERE project = \(project) AND environment = \(environment)", logger: logger)
            try await connection.query("SELECT pg_advisory_xact_lock(\(portsLockClass), 0)", logger: logger)
            let nodes = new.nodes.map(\.value)
            let clashes = try await connection.query("""
                SELECT count(*) FROM ports
                WHERE port = ANY(\(new.ports.all)::integer[]) AND (node = '*' OR \(nodes.isEmpty) OR node = ANY(\(nodes)::text[]))
                """, logger: logger)
            for try await count in clashes.decode(Int.self) where count > 0 { throw PortRace() }
            try await connection.query("""
                INSERT INTO ports (port, node, project, environment)
                SELECT p, n, \(project), \(environment)
                FROM unnest(\(new.ports.all)::integer[]) AS p, unnest(\(nodes.isEmpty ? ["*"] : nodes)::text[]) AS n
                """, logger: logger)
        }
        if old == nil {
            // A unique key: two environments whose names concatenate alike, created at once,
            // cannot both commit (the loser retries and is refused by its claims check).
            try await connection.query("INSERT INTO name_claims (stem, project, environment) VALUES (\(key.stem), \(project), \(environment))", logger: logger)
        }
        let oldDomains = Set(old?.claimedHostnames ?? []), newDomains = Set(new.claimedHostnames)
        if oldDomains != newDomains {
            try await connection.query("DELETE FROM domains WHERE project = \(project) AND environment = \(environment)", logger: logger)
            for domain in newDomains.sorted(by: { $0.description < $1.description }) {
                try await connection.query("INSERT INTO domains (domain, project, environment) VALUES (\(domain.description), \(project), \(environment))", logger: logger)
            }
        }
    }

    static func key(_ project: String, _ environment: String) throws -> EnvironmentKey {
        do {
            return EnvironmentKey(project: try ResourceName(parsing: project), environment: try EnvironmentName(parsing: environment))
        } catch {
            throw StoreError(.corrupt, "the database holds an environment named \(project)/\(environment), which is not a valid name (\(error.message))")
        }
    }

    static func key(payload: String) -> EnvironmentKey? {
        let parts = payload.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return try? key(parts[0], parts[1])
    }
}
