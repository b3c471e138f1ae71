import Drivers
import Foundation
import Logging
import PostgresNIO

/// A PostgreSQL database of its own for one test, on the server `.ci/setup` starts
/// (`CODEB_TEST_DATABASE_URL`, default the CI cluster on 127.0.0.1:55432). The server must be
/// there: a test that needs it fails, with the reason, when it is not.
public struct TestDatabase: Sendable {
    public static var serverURL: String {
        ProcessInfo.processInfo.environment["CODEB_TEST_DATABASE_URL"] ?? "postgres://codeb:codeb-ci@127.0.0.1:55432/postgres?sslmode=disable"
    }

    /// The server's unix socket, for tests that put a cuttable proxy in front of it.
    public static var serverSocket: String {
        ProcessInfo.processInfo.environment["CODEB_TEST_DATABASE_SOCKET"] ?? "/tmp/codeb-ci/pg-run/.s.PGSQL.55432"
    }

    public let name: String
    public let url: DatabaseURL

    /// Creates an empty database named after a fresh random suffix.
    public static func create() async throws -> TestDatabase {
        let server = try DatabaseURL(serverURL)
        let name = "codeb_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try await execute("CREATE DATABASE \(name)", on: server)
        var url = server
        url.database = name
        let database = TestDatabase(name: name, url: url)
        // Under a loaded suite a new database was seen refusing connections ("does not exist")
        // for longer than a store's 15 s connect deadline: wait until it answers, or say so.
        let check = try await eventually("the new database \(name) answers", within: .seconds(60)) {
            (try? await database.query("SELECT current_database()::text")) == [name] ? true : nil
        }
        _ = check
        return database
    }

    /// This database's URL as `--database-url` takes it (password included).
    public var connectionString: String {
        var components = URLComponents(string: Self.serverURL)!
        components.path = "/" + name
        return components.string!
    }

    /// Drops the database, closing whatever is still connected to it.
    public func drop() async {
        guard let server = try? DatabaseURL(Self.serverURL) else { return }
        try? await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
    }

    /// Runs one statement in this database.
    public func execute(_ sql: String) async throws {
        _ = try await Self.run(sql, on: url)
    }

    /// Runs one query in this database; the first column of each row, as text.
    public func query(_ sql: String) async throws -> [String] {
        try await Self.run(sql, on: url)
    }

    static func execute(_ sql: String, on url: DatabaseURL) async throws {
        _ = try await run(sql, on: url)
    }

    /// One statement on a connection of its own; the first column of each row, as text.
    private static func run(_ sql: String, on url: DatabaseURL) async throws -> [String] {
        let database = PostgresDatabase(url: url, deadline: .seconds(20))
        let connection = try await database.connect()
        var values: [String] = []
        do {
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "codeb.test")).decode(String.self) {
                values.append(value)
            }
        } catch {
            try? await connection.close()
            throw database.explain(error)
        }
        try await connection.close()
        return values
    }
}

/// A running `PostgresStore` on a test database, migrated; `stop()` ends its tasks.
public struct RunningPostgresStore: Sendable {
    public let store: PostgresStore
    let task: Task<Void, Never>

    public static func start(_ url: DatabaseURL, controllerID: String = UUID().uuidString.lowercased()) async throws -> RunningPostgresStore {
        // A minute, not the product's 15 s: at the start of the parallel suite on two cores,
        // dozens of pools authenticate at once (SCRAM in a debug build) and CI runs saw stores
        // miss 15 s. Tests of the deadline itself build their own database with a short one.
        let store = PostgresStore(database: PostgresDatabase(url: url, deadline: .seconds(60)), controllerID: controllerID)
        let task = Task { await store.run() }
        do {
            try await store.migrate()
        } catch {
            store.stop()
            await task.value
            throw error
        }
        return RunningPostgresStore(store: store, task: task)
    }

    public func stop() async {
        store.stop()
        await task.value
    }
}

extension TestDatabase {
    /// `pg_dump` of this database as text: what a backup of it would hold, byte for byte.
    public func dump() throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pg_dump")
        process.arguments = ["--no-owner", "--data-only", connectionString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else {
            throw TestDatabaseError("pg_dump of \(name) exited \(process.terminationStatus)")
        }
        return data
    }
}

/// A test database that cannot be read as asked.
public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
