import Foundation
import Logging
import NIOCore
import PostgresNIO
import State
import Support

/// A pooled connection to codeb's database: the `PostgresClient` (which must be `run()` by a
/// long-lived task), the URL it came from, and the translation of PostgresNIO's deliberately
/// vague errors into one sentence that says what to do. Every operation has a deadline, so a
/// database that is down makes requests fail in seconds rather than queue for a minute.
public struct PostgresDatabase: Sendable {
    public let url: DatabaseURL
    public let client: PostgresClient
    /// How long one store operation may wait for the database.
    public var deadline: Duration
    /// API keys by hash, shared by the key store that fills it and the store whose LISTEN
    /// connection empties it.
    public let keyCache = KeyCache(ttl: .seconds(30))
    let logger: Logger

    public init(url: DatabaseURL, deadline: Duration = .seconds(15), maximumConnections: Int = 10, logger: Logger = Logger(label: "codeb.postgres")) {
        self.url = url
        self.deadline = deadline
        self.logger = logger
        var configuration: PostgresClient.Configuration
        let tls: PostgresClient.Configuration.TLS = switch url.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        if let socket = url.socketPath {
            configuration = .init(unixSocketPath: socket, username: url.user, password: url.password, database: url.database)
        } else {
            configuration = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        // The pool logs every failed connection attempt at info: one line a second while the
        // database is away. Our own warnings say it once per retry with the reason.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
    }

    /// One direct connection, for LISTEN and for checks that must see the real error at once.
    public func connect() async throws -> PostgresConnection {
        var configuration: PostgresConnection.Configuration
        if let socket = url.socketPath {
            configuration = .init(unixSocketPath: socket, username: url.user, password: url.password, database: url.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch url.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            configuration = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(3)
        let settled = configuration
        do {
            // A connection that opens after the deadline or a cancellation must still be closed:
            // PostgresNIO traps on one released open.
            return try await withDeadline(abandoned: { try? await $0.close() }) { [logger] in
                try await PostgresConnection.connect(configuration: settled, id: 1, logger: logger)
            }
        } catch {
            throw explain(error)
        }
    }

    /// Connects once and runs `SELECT 1`: the check behind startup and /readyz.
    public func ping() async throws {
        let connection = try await connect()
        defer { Task { try? await connection.close() } }
        do {
            _ = try await withDeadline { [logger] in try await connection.query("SELECT 1", logger: logger) }
        } catch {
            throw explain(error)
        }
    }

    /// Runs `body` on a pooled connection within the deadline. Database and network errors are
    /// translated; a caller's own error, boxed in `PassThrough`, comes out unchanged.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withDeadline(body)
        } catch let error as PostgresTransactionError {
            try Self.rethrowPassThrough(error.cause)
            throw explain(error.cause)
        } catch {
            try Self.rethrowPassThrough(error)
            throw explain(error)
        }
    }

    /// Carries an error that is not the database's (a store update's body refused) through `run`.
    struct PassThrough: Error {
        let error: any Error
    }

    private static func rethrowPassThrough(_ error: any Error) throws {
        if let boxed = error as? PassThrough { throw boxed.error }
        if error is CancellationError { throw error }
    }

    private func withDeadline<T: Sendable>(
        abandoned: (@Sendable (T) async -> Void)? = nil, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (deadline, url) = (self.deadline, self.url)
        return try await Support.withDeadline(deadline, timeout: {
            StoreError(.io, "PostgreSQL at \(url) did not answer within \(deadline.components.seconds) s; is it running and reachable?")
        }, abandoned: abandoned, body)
    }

    /// One sentence for an error from PostgresNIO, NIO or the pool. Never includes the password.
    public func explain(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError, !(error.cause is PostgresTransactionError) {
            return explain(error.cause)
        }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "error \(state)"
                switch state {
                case "28P01", "28000":
                    return StoreError(.io, "PostgreSQL at \(url) refused user \(url.user): \(message); check the password in --database-url")
                case "3D000":
                    return StoreError(.io, "PostgreSQL at \(url) has no database \(url.database); create it (createdb \(url.database)) or fix --database-url")
                case "57P03", "57P01", "57P02":
                    return StoreError(.io, "PostgreSQL at \(url) is starting up or shutting down (\(message)); codeb retries")
                case "53300":
                    return StoreError(.io, "PostgreSQL at \(url) has no free connection slots (\(message)); raise max_connections or run fewer controllers")
                default:
                    return StoreError(.io, "PostgreSQL at \(url) said: \(message) (SQLSTATE \(state))")
                }
            }
            if let underlying = error.underlying {
                return StoreError(.io, "cannot reach PostgreSQL at \(url): \(Self.describe(underlying)); is it running and reachable?")
            }
            switch error.code {
            case .sslUnsupported:
                return StoreError(.io, "PostgreSQL at \(url) does not offer TLS, and --database-url asks for sslmode=require")
            case .authMechanismRequiresPassword:
                return StoreError(.io, "PostgreSQL at \(url) asks for a password; put one in --database-url (postgres://USER:PASSWORD@…)")
            case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError:
                return StoreError(.io, "lost the connection to PostgreSQL at \(url); codeb retries")
            default:
                return StoreError(.io, "PostgreSQL at \(url) failed: \(error.code)")
            }
        }
        return StoreError(.io, "cannot reach PostgreSQL at \(url): \(Self.describe(error)); is it running and reachable?")
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve the host (\(dns))" }
            return "connection failed"
        }
        if error is ChannelError { return "connection failed (\(error))" }
        return "\(error)"
    }
}

extension PostgresTransactionError {
    /// What failed: the transaction's body, its COMMIT, or its BEGIN.
    var cause: any Error { closureError ?? commitError ?? beginError ?? self }
}
