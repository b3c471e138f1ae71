import Drivers
import Foundation
import Logging
import ServiceLifecycle
import Spec

/// Where the controller (and `codeb keys create`) keeps state: PostgreSQL when a database URL is
/// set, else the file store in the state directory.
struct StateBackend: Sendable {
    let store: any Store
    let keys: any KeyStore
    /// The PostgreSQL store, which must run as a service; nil for the file store.
    let postgres: PostgresStore?
    /// Who acts on which environment: the PostgreSQL store's leases, or always this controller.
    let leases: any LeaseKeeper
    /// Where, for the startup log line.
    let location: String

    /// Opens the stores. `keysOnly` leaves the file store closed, so a one-shot command does not
    /// need (or take) the state directory's lock that a running controller holds.
    static func open(
        databaseURL: String?, stateDirectory: String, keysOnly: Bool = false, node: NodeName = .local, leaseTTL: Duration = .seconds(10)
    ) throws -> StateBackend {
        guard let databaseURL else {
            let store: any Store = keysOnly ? NoStore() : try FileStore(directory: stateDirectory)
            return StateBackend(store: store, keys: try FileKeyStore(directory: stateDirectory), postgres: nil, leases: SoleController(node: node), location: stateDirectory)
        }
        let url: DatabaseURL
        do {
            url = try DatabaseURL(databaseURL)
        } catch let error as StoreError {
            throw CLIError(error.message)
        }
        let database = PostgresDatabase(url: url)
        let store = PostgresStore(database: database, node: node, leaseTTL: leaseTTL)
        return StateBackend(store: store, keys: PostgresKeyStore(database: database), postgres: store, leases: store, location: url.description)
    }

    /// For one-shot commands: runs the PostgreSQL store around `body`, checking the connection and
    /// schema first so a wrong password or a stopped server is one sentence, not a hang.
    func withRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard let postgres else { return try await body() }
        let task = Task { await postgres.run() }
        defer { postgres.stop() }
        do {
            try await postgres.database.ping()
            try await postgres.migrate()
            let result = try await body()
            postgres.stop()
            await task.value
            return result
        } catch let error as StoreError {
            postgres.stop()
            await task.value
            throw CLIError(error.message)
        }
    }
}

/// Stands in for the file store where a command needs only keys.
private struct NoStore: Store {
    func keys() async throws -> [EnvironmentKey] { [] }
    func load(_ key: EnvironmentKey) async throws -> EnvironmentState? { nil }
    func update<T: Sendable>(_ key: EnvironmentKey, _ body: @escaping @Sendable (inout EnvironmentState?, Claims) throws -> T) async throws -> T {
        throw StoreError(.invalid, "this command does not open the state directory's store")
    }
    func changes() -> AsyncStream<EnvironmentKey> { AsyncStream { $0.finish() } }
}

/// Migrates the schema once the store runs, retrying while the database is unreachable; a
/// database with a newer schema than this codeb stops the daemon.
struct SchemaMigrationService: Service {
    let store: PostgresStore
    let logger: Logger

    func run() async throws {
        var delay: Duration = .milliseconds(500)
        while !Task.isCancelled {
            do {
                try await store.migrate()
                logger.info("database schema ready", metadata: ["database": "\(store.database.url)", "version": "\(PostgresSchema.currentVersion)"])
                return
            } catch let error as StoreError where error.kind == .invalid {
                throw CLIError(error.message)
            } catch {
                logger.warning("database not reachable; /readyz reports it and codeb retries", metadata: ["error": "\(store.database.explain(error))"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(10))
        }
    }
}
