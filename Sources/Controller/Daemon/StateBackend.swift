import APIModel
import Drivers
import Foundation
import Logging
import ServiceLifecycle
import Spec
import State

/// Where the controller (and `codeb keys create`) keeps state: PostgreSQL when a database URL is
/// set, else the file store in the state directory. Failures are `StoreError`s with a sentence.
public struct StateBackend: Sendable {
    public let store: any Store
    /// Secrets and registry logins, beside the environments in the same store.
    public let secrets: any SecretStore
    public let keys: any KeyStore
    /// The PostgreSQL store, which must run as a service; nil for the file store.
    public let postgres: PostgresStore?
    /// Who acts on which environment: the PostgreSQL store's leases, or always this controller.
    public let leases: any LeaseKeeper
    /// Where, for the startup log line.
    public let location: String

    /// Opens the stores for the daemon.
    public static func open(databaseURL: String?, stateDirectory: String, node: NodeName = .local, leaseTTL: Duration = .seconds(10)) throws -> StateBackend {
        guard let databaseURL else {
            let store = try FileStore(directory: stateDirectory)
            return StateBackend(store: store, secrets: store, keys: try FileKeyStore(directory: stateDirectory), postgres: nil, leases: SoleController(node: node), location: stateDirectory)
        }
        let store = try postgres(databaseURL, node: node, leaseTTL: leaseTTL)
        return StateBackend(store: store, secrets: store, keys: PostgresKeyStore(database: store.database), postgres: store, leases: store, location: store.database.url.description)
    }

    /// Only the key store, for one-shot commands: the file store stays closed, so they do not
    /// need (or take) the state directory's lock that a running controller holds. The PostgreSQL
    /// store, when returned, must run around the work (`withRunning`).
    public static func keys(databaseURL: String?, stateDirectory: String) throws -> (keys: any KeyStore, postgres: PostgresStore?) {
        guard let databaseURL else { return (try FileKeyStore(directory: stateDirectory), nil) }
        let store = try postgres(databaseURL)
        return (PostgresKeyStore(database: store.database), store)
    }

    private static func postgres(_ databaseURL: String, node: NodeName = .local, leaseTTL: Duration = .seconds(10)) throws -> PostgresStore {
        PostgresStore(database: PostgresDatabase(url: try DatabaseURL(databaseURL)), node: node, leaseTTL: leaseTTL)
    }

    /// For one-shot commands: runs the PostgreSQL store (if any) around `body`, checking the
    /// connection and schema first so a wrong password or a stopped server is one sentence, not a hang.
    public static func withRunning<T: Sendable>(_ postgres: PostgresStore?, _ body: @Sendable () async throws -> T) async throws -> T {
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
        } catch {
            postgres.stop()
            await task.value
            throw error
        }
    }
}

/// Migrates the schema once the store runs, retrying while the database is unreachable; a
/// database with a newer schema than this codeb stops the daemon.
public struct SchemaMigrationService: Service {
    let store: PostgresStore
    let logger: Logger

    public init(store: PostgresStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        var delay: Duration = .milliseconds(500)
        while !Task.isCancelled {
            do {
                try await store.migrate()
                logger.info("database schema ready", metadata: ["database": "\(store.database.url)", "version": "\(PostgresSchema.currentVersion)"])
                return
            } catch let error as StoreError where error.kind == .invalid {
                throw error
            } catch {
                logger.warning("database not reachable; /readyz reports it and codeb retries", metadata: ["error": "\(store.database.explain(error))"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(10))
        }
    }
}
