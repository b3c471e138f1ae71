@testable import Controller
import Drivers
import Foundation
import Spec
import Testing

@Suite struct FileStoreTests {
    static func directory() -> String {
        NSTemporaryDirectory() + "codeb-store-" + UUID().uuidString.prefix(8).lowercased()
    }

    static func spec(project: String = "shop", version: Int = 1, domain: String? = nil) throws -> Spec {
        try SpecLoader.load("""
            project: \(project)
            team: acme
            image: codeb-test/web:\(version)
            port: 8080
            environments:
              production: { domains: [\(domain ?? "\(project).test")] }
              staging: {}
              preview: {}

            """, file: "codeb.yaml")
    }

    static func key(_ project: String = "shop", _ environment: EnvironmentName = .production) -> EnvironmentKey {
        EnvironmentKey(project: try! ResourceName(parsing: project), environment: environment)
    }

    @Test func applyAllocatesPortPairsPerEnvironmentKind() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let operations = StateOperations(store: store)
        try await operations.apply(try Self.spec(), environment: .production, author: "t")
        try await operations.apply(try Self.spec(project: "blog"), environment: .production, author: "t")
        try await operations.apply(try Self.spec(), environment: .staging, author: "t")
        try await operations.apply(try Self.spec(), environment: try EnvironmentName(parsing: "preview-pr-1"), author: "t")
        #expect(try await store.load(Self.key())?.ports == PortPair(blue: 4100))
        #expect(try await store.load(Self.key("blog"))?.ports == PortPair(blue: 4102))
        #expect(try await store.load(Self.key("shop", .staging))?.ports == PortPair(blue: 4500))
        #expect(try await store.load(Self.key("shop", try EnvironmentName(parsing: "preview-pr-1")))?.ports == PortPair(blue: 5000))
    }

    @Test func theSameSpecTwiceIsOneRevisionAndAChangeIsTheNext() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let operations = StateOperations(store: store)
        let first = try await operations.apply(try Self.spec(), environment: .production, author: "t")
        let again = try await operations.apply(try Self.spec(), environment: .production, author: "t")
        let second = try await operations.apply(try Self.spec(version: 2), environment: .production, author: "t")
        #expect(first.number == 1)
        #expect(again.number == 1)
        #expect(second.number == 2)
        #expect(try await store.load(Self.key())?.revisions.map(\.number) == [1, 2])
    }

    @Test func aDomainBelongsToOneEnvironment() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let operations = StateOperations(store: store)
        try await operations.apply(try Self.spec(domain: "shared.test"), environment: .production, author: "t")
        let error = await #expect(throws: StoreError.self) {
            try await operations.apply(try Self.spec(project: "thief", domain: "shared.test"), environment: .production, author: "t")
        }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("shop/production") == true)
        #expect(try await store.load(Self.key("thief")) == nil, "nothing written")
    }

    @Test func aStaleGenerationIsAConflict() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let operations = StateOperations(store: store)
        try await operations.apply(try Self.spec(), environment: .production, author: "t", expectedGeneration: 0)
        let error = await #expect(throws: StoreError.self) {
            try await operations.apply(try Self.spec(version: 2), environment: .production, author: "t", expectedGeneration: 0)
        }
        #expect(error?.kind == .conflict)
        #expect(try await store.load(Self.key())?.generation == 1)
    }

    @Test func stateSurvivesReopeningAndPortsAreReleasedOnForget() async throws {
        let directory = Self.directory()
        do {
            let store: any Store = try FileStore(directory: directory)
            try await StateOperations(store: store).apply(try Self.spec(), environment: .production, author: "t")
            try await StateOperations(store: store).apply(try Self.spec(project: "blog"), environment: .production, author: "t")
        }
        let reopened: any Store = try FileStore(directory: directory)
        #expect(try await reopened.keys().count == 2)
        #expect(try await reopened.load(Self.key("blog"))?.ports == PortPair(blue: 4102))
        try await reopened.update(Self.key()) { state, _ in state = nil }
        try await StateOperations(store: reopened).apply(try Self.spec(project: "next"), environment: .production, author: "t")
        #expect(try await reopened.load(Self.key("next"))?.ports == PortPair(blue: 4100))
    }

    @Test func aFullRangeIsAnErrorForThatEnvironmentOnly() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        // Fill the preview range (5000–5499: 250 pairs) directly through the store.
        for index in 0..<250 {
            let key = Self.key("p\(index)", try EnvironmentName(parsing: "preview-x"))
            try await store.update(key) { state, _ in
                state = EnvironmentState(key: key, team: try ResourceName(parsing: "acme"), ports: PortPair(blue: 5000 + 2 * index))
            }
        }
        let operations = StateOperations(store: store)
        let error = await #expect(throws: StoreError.self) {
            try await operations.apply(try Self.spec(), environment: try EnvironmentName(parsing: "preview-pr-9"), author: "t")
        }
        #expect(error?.kind == .exhausted)
        // Production has its own range and is unaffected.
        try await operations.apply(try Self.spec(), environment: .production, author: "t")
    }

    @Test func aSecondStoreOnTheSameDirectoryIsRefused() throws {
        let directory = Self.directory()
        let first = try FileStore(directory: directory)
        let error = #expect(throws: StoreError.self) { try FileStore(directory: directory) }
        #expect(error?.kind == .locked)
        #expect(error?.message.contains(directory) == true)
        _ = first
    }

    @Test func aCorruptFileStopsTheOpenWithItsPath() throws {
        let directory = Self.directory()
        try FileManager.default.createDirectory(atPath: directory + "/environments/shop", withIntermediateDirectories: true)
        let path = directory + "/environments/shop/production.json"
        try "{\"key\": 1".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: StoreError.self) { try FileStore(directory: directory) }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains(path) == true)
    }

    @Test func rollbackNeedsAGraceSlotAndCopiesItsRevision() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let operations = StateOperations(store: store)
        try await operations.apply(try Self.spec(), environment: .production, author: "t")
        let refused = await #expect(throws: StoreError.self) { try await operations.rollback(Self.key(), author: "t") }
        #expect(refused?.kind == .invalid)

        try await operations.apply(try Self.spec(version: 2), environment: .production, author: "t")
        try await store.update(Self.key()) { state, _ in
            let (old, new) = (state?.revision(1)?.hash, state?.revision(2)?.hash)
            state?.blue = SlotRecord(slot: .blue, state: .grace, revision: 1, hash: old, port: 4100)
            state?.green = SlotRecord(slot: .green, state: .active, revision: 2, hash: new, port: 4101)
        }
        let rollback = try await operations.rollback(Self.key(), author: "alice")
        #expect(rollback.number == 3)
        #expect(rollback.source == .rollback)
        #expect(rollback.rollbackOf == 1)
        #expect(rollback.hash == (try await store.load(Self.key())?.revision(1)?.hash))
        #expect(rollback.author == "alice")
    }

    @Test func promoteApprovesTheLatestRevision() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let operations = StateOperations(store: store)
        try await operations.apply(try Self.spec(), environment: .production, author: "t")
        #expect(try await operations.promote(Self.key(), author: "t") == 1)
        #expect(try await store.load(Self.key())?.promotionApproved == 1)
    }

    @Test func changesAreAnnounced() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let changes = store.changes()
        try await StateOperations(store: store).apply(try Self.spec(), environment: .production, author: "t")
        var iterator = changes.makeAsyncIterator()
        #expect(await iterator.next() == Self.key())
    }

    @Test func concurrentAppliesLeaveAConsistentHistory() async throws {
        let store: any Store = try FileStore(directory: Self.directory())
        let operations = StateOperations(store: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for version in 1...50 {
                group.addTask { try await operations.apply(try Self.spec(version: version), environment: .production, author: "t") }
            }
            try await group.waitForAll()
        }
        let numbers = try #require(try await store.load(Self.key())).revisions.map(\.number)
        #expect(numbers == Array(1...50))
    }
}
