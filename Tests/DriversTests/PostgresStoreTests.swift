import Drivers
import Foundation
import Spec
import State
import TestTraits
import Testing
import TestSupport

/// What only the PostgreSQL store does; shared behaviour is in `StoreConformanceTests`.
@Suite(.cleansUp) struct PostgresStoreTests {
    static let key = EnvironmentKey(project: try! ResourceName(parsing: "shop"), environment: .production)

    static func put(_ store: some Store, _ key: EnvironmentKey = key, blue: Int = 4100) async throws {
        try await store.update(key) { state, _ in
            if state == nil {
                state = EnvironmentState(key: key, team: try ResourceName(parsing: "acme"), ports: PortPair(blue: blue))
            }
            state?.status.observedGeneration += 1
        }
    }

    /// Two controllers on one fresh database, the reader listening.
    static func withTwoControllers(_ body: (TestDatabase, PostgresStore, PostgresStore) async throws -> Void) async throws {
        let database = try await TestDatabase.create()
        Cleanup.add { await database.drop() }
        let writer = try await RunningPostgresStore.start(database.url)
        let reader = try await RunningPostgresStore.start(database.url)
        Cleanup.add { await writer.stop(); await reader.stop() }
        _ = try await eventually("the reader to listen") { reader.store.isListening ? true : nil }
        try await body(database, writer.store, reader.store)
    }

    /// Writes through `writer` and returns what `reader` heard once it heard of the change.
    /// Level-triggered: the reader may first replay keys it saw on connecting; the change must follow.
    static func putAndHear(_ writer: PostgresStore, _ reader: PostgresStore) async throws -> EnvironmentKey? {
        var changes = reader.changes().makeAsyncIterator()
        try await put(writer)
        var seen: EnvironmentKey?
        while seen != key { seen = await changes.next() }
        return seen
    }

    @Test func aChangeThroughOneControllerWakesTheOtherAtOnce() async throws {
        try await Self.withTwoControllers { _, writer, reader in
            let heard = try await Self.putAndHear(writer, reader)
            #expect(heard == Self.key)
            #expect(try await reader.load(Self.key)?.status.observedGeneration == 1)
        }
    }

    /// A converged environment is read from the reader's cache, and a change by another
    /// controller reaches it before (or with) the wake-up: the reader never passes on a stale state.
    @Test func aCachedStateIsDroppedByAnotherControllersChangeBeforeTheWakeUp() async throws {
        try await Self.withTwoControllers { database, writer, reader in
            // The change notice of the first write must have arrived before the read that
            // fills the cache: a notice arriving after it would (rightly) drop it again.
            let heard = try await Self.putAndHear(writer, reader)
            #expect(heard == Self.key)
            #expect(try await reader.load(Self.key)?.status.observedGeneration == 1)
            // Cached now: the row changed behind the store's back (no NOTIFY) is not seen...
            try await database.execute("UPDATE environments SET status = jsonb_set(status, '{observedGeneration}', '7')")
            #expect(try await reader.load(Self.key)?.status.observedGeneration == 1)
            // ...while a change committed through a store is, by the time the reader hears of it.
            let heardAgain = try await Self.putAndHear(writer, reader)
            #expect(heardAgain == Self.key)
            #expect(try await reader.load(Self.key)?.status.observedGeneration == 8)
            // And the reader's own change at once.
            try await Self.put(reader)
            #expect(try await reader.load(Self.key)?.status.observedGeneration == 9)
        }
    }

    @Test func migrationsRunOnceEvenWhenControllersStartTogether() async throws {
        let database = try await TestDatabase.create()
        Cleanup.add { await database.drop() }
        let stores = try await withThrowingTaskGroup(of: RunningPostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await RunningPostgresStore.start(database.url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for store in stores { try await store.store.migrate() }
        let versions = try await database.query("SELECT count(*)::text FROM schema_migrations")
        #expect(versions == ["\(PostgresSchema.currentVersion)"])
        for store in stores { await store.stop() }
    }

    @Test func aDatabaseWithANewerSchemaIsRefused() async throws {
        let database = try await TestDatabase.create()
        Cleanup.add { await database.drop() }
        let first = try await RunningPostgresStore.start(database.url)
        await first.stop()
        try await database.execute("INSERT INTO schema_migrations (version, name) VALUES (\(PostgresSchema.currentVersion + 1), 'from the future')")
        let error = await #expect(throws: StoreError.self) { try await RunningPostgresStore.start(database.url) }
        #expect(error?.kind == .invalid)
        #expect(error?.message.contains("newer than this codeb") == true)
        #expect(error?.message.contains("upgrade codeb") == true)
    }

    @Test func aWrongPasswordIsOneSentenceWithoutThePassword() async throws {
        var url = try DatabaseURL(TestDatabase.serverURL)
        url.password = "not-the-password-7f3a"
        let error = await #expect(throws: StoreError.self) { try await PostgresDatabase(url: url).ping() }
        #expect(error?.message.contains("refused user \(url.user)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("not-the-password-7f3a") == false)
    }

    @Test func aStoppedServerIsOneSentence() async throws {
        var url = try DatabaseURL(TestDatabase.serverURL)
        url.port = FreePort.next()
        let error = await #expect(throws: StoreError.self) { try await PostgresDatabase(url: url, deadline: .seconds(3)).ping() }
        #expect(error?.message.contains("cannot reach PostgreSQL at") == true, "\(error?.message ?? "")")
    }

    @Test func aStoreThatIsNotMigratedRefusesWork() async throws {
        let database = try await TestDatabase.create()
        Cleanup.add { await database.drop() }
        let store = PostgresStore(database: PostgresDatabase(url: database.url, deadline: .seconds(60)))
        let error = await #expect(throws: StoreError.self) { try await store.keys() }
        #expect(error?.message.contains("not ready") == true)
    }

    @Test(arguments: [
        // TLS required unless said otherwise for a database on another host; preferred on this one.
        ("postgres://u:p@db.internal:6543/codeb", "db.internal", 6543, nil as String?, "u", "p" as String?, "codeb", DatabaseURL.TLSMode.require),
        ("postgres://u:p@10.0.0.7/codeb", "10.0.0.7", 5432, nil, "u", "p", "codeb", .require),
        ("postgres://u:p@localhost/codeb", "localhost", 5432, nil, "u", "p", "codeb", .prefer),
        ("postgres://u:p@127.0.0.1:55432/codeb", "127.0.0.1", 55432, nil, "u", "p", "codeb", .prefer),
        ("postgres://u:p@db.internal/codeb?sslmode=prefer", "db.internal", 5432, nil, "u", "p", "codeb", .prefer),
        ("postgresql://u@db/codeb?sslmode=require", "db", 5432, nil, "u", nil, "codeb", .require),
        ("postgres://u:p%40ss@/codeb?host=/run/postgresql", "", 5432, "/run/postgresql/.s.PGSQL.5432", "u", "p@ss", "codeb", .prefer),
        ("postgres://u:p@h/codeb?sslmode=disable&port=7000", "h", 7000, nil, "u", "p", "codeb", .disable),
    ])
    func databaseURLsParse(text: String, host: String, port: Int, socket: String?, user: String, password: String?, database: String, tls: DatabaseURL.TLSMode) throws {
        let url = try DatabaseURL(text)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.socketPath == socket)
        #expect(url.user == user)
        #expect(url.password == password)
        #expect(url.database == database)
        #expect(url.tls == tls)
        #expect(!url.description.contains(":\(password ?? "\u{0}")@"), "the description never shows the password")
    }

    @Test(arguments: [
        ("mysql://u:secret@h/db", "must look like"),
        ("postgres://u:secret@h", "one database"),
        ("postgres://u:secret@h/db?sslmode=sometimes", "sslmode"),
        ("postgres://u:secret@h:99999/db", "port"),
        ("postgres://u:secret@h/db?application=x", "unknown parameter"),
    ])
    func badDatabaseURLsAreRefusedWithoutThePassword(text: String, expected: String) {
        let error = #expect(throws: StoreError.self) { try DatabaseURL(text) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("secret") == false)
    }
}
