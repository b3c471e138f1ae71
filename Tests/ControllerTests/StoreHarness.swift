import Drivers
import Foundation
import State
import Synchronization
import Testing
import TestSupport

/// The stores the conformance suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file
    case postgres

    var testDescription: String { rawValue }
}

/// Opens stores of one kind on one shared state: a file store's directory or a PostgreSQL test
/// database. Opening again is a restarted controller (file) or a second controller (PostgreSQL).
final class StoreHarness: Sendable {
    let kind: StoreKind
    let directory: String
    let database: TestDatabase?
    private let running = Mutex<[RunningPostgresStore]>([])

    private init(kind: StoreKind, directory: String, database: TestDatabase?) {
        self.kind = kind
        self.directory = directory
        self.database = database
    }

    func open() async throws -> any Store {
        switch kind {
        case .file:
            return try FileStore(directory: directory)
        case .postgres:
            let store = try await RunningPostgresStore.start(database!.url)
            running.withLock { $0.append(store) }
            return store.store
        }
    }

    /// Stops every store opened here and removes the state.
    func close() async {
        for store in running.withLock({ $0 }) { await store.stop() }
        await database?.drop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func with(_ kind: StoreKind, _ body: (StoreHarness) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "codeb-store-" + UUID().uuidString.prefix(8).lowercased()
        let database = kind == .postgres ? try await TestDatabase.create() : nil
        let harness = StoreHarness(kind: kind, directory: directory, database: database)
        do {
            try await body(harness)
        } catch {
            await harness.close()
            throw error
        }
        await harness.close()
    }
}
