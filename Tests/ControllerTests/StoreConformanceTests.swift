@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing
import TestSupport

/// One behaviour, every store: each test runs against the file store and the PostgreSQL store.
/// A difference between them is a bug in one of them.
@Suite struct StoreConformanceTests {
    static func spec(project: String = "shop", team: String = "acme", version: Int = 1, domain: String? = nil) throws -> Spec {
        try SpecLoader.load("""
            project: \(project)
            team: \(team)
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

    @Test(arguments: StoreKind.allCases)
    func applyAllocatesPortPairsPerEnvironmentKind(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.spec(), environment: .production, author: "t")
            try await operations.apply(try Self.spec(project: "blog"), environment: .production, author: "t")
            try await operations.apply(try Self.spec(), environment: .staging, author: "t")
            try await operations.apply(try Self.spec(), environment: try EnvironmentName(parsing: "preview-pr-1"), author: "t")
            #expect(try await store.load(Self.key())?.ports == PortPair(blue: 4100, spare: 4499))
            #expect(try await store.load(Self.key("blog"))?.ports == PortPair(blue: 4102, spare: 4498))
            #expect(try await store.load(Self.key("shop", .staging))?.ports == PortPair(blue: 4500, spare: 4999))
            #expect(try await store.load(Self.key("shop", try EnvironmentName(parsing: "preview-pr-1")))?.ports == PortPair(blue: 5000, spare: 5499))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func maintenanceIsKeptItsStartStaysAndOffClearsIt(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.spec(), environment: .production, author: "t")
            let since = Date(timeIntervalSince1970: 1_800_000_000)
            try await operations.setMaintenance(Self.key(), Maintenance(message: "Back soon.", retryAfter: 900, since: since, by: "ana"))
            try await operations.setMaintenance(Self.key(), Maintenance(message: "Back at 17:00.", retryAfter: 1800, since: since.addingTimeInterval(60), by: "bo"))
            // As the database has it (another controller's read), not a cache.
            let reader = kind == .file ? store : try await harness.open()
            #expect(try await reader.load(Self.key())?.maintenance == Maintenance(message: "Back at 17:00.", retryAfter: 1800, since: since, by: "bo"))
            try await operations.setMaintenance(Self.key(), nil)
            #expect(try await store.load(Self.key())?.maintenance == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theSameSpecTwiceIsOneRevisionAndAChangeIsTheNext(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            let first = try await operations.apply(try Self.spec(), environment: .production, author: "t")
            let again = try await operations.apply(try Self.spec(), environment: .production, author: "t")
            let second = try await operations.apply(try Self.spec(version: 2), environment: .production, author: "t")
            #expect(first.number == 1)
            #expect(again.number == 1)
            #expect(second.number == 2)
            #expect(try await store.load(Self.key())?.revisions.map(\.number) == [1, 2])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDomainBelongsToOneEnvironment(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.spec(domain: "shared.test"), environment: .production, author: "t")
            let error = await #expect(throws: StoreError.self) {
                try await operations.apply(try Self.spec(project: "thief", domain: "shared.test"), environment: .production, author: "t")
            }
            #expect(error?.kind == .conflict)
            #expect(error?.message.contains("shared.test is already taken by another environment") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("shop") == false, "another project's name is never revealed")
            #expect(try await store.load(Self.key("thief")) == nil, "nothing written")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aStaleGenerationIsAConflict(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.spec(), environment: .production, author: "t", expectedGeneration: 0)
            let error = await #expect(throws: StoreError.self) {
                try await operations.apply(try Self.spec(version: 2), environment: .production, author: "t", expectedGeneration: 0)
            }
            #expect(error?.kind == .conflict)
            #expect(try await store.load(Self.key())?.generation == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func stateSurvivesReopeningAndPortsAreReleasedOnForget(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            do {
                let store = try await harness.open()
                try await StateOperations(store: store).apply(try Self.spec(), environment: .production, author: "t")
                try await StateOperations(store: store).apply(try Self.spec(project: "blog"), environment: .production, author: "t")
            }
            let reopened = try await harness.open()
            #expect(try await reopened.keys() == [Self.key("blog"), Self.key()])
            #expect(try await reopened.load(Self.key("blog"))?.ports == PortPair(blue: 4102, spare: 4498))
            try await reopened.update(Self.key()) { state, _ in state = nil }
            #expect(try await reopened.load(Self.key()) == nil)
            try await StateOperations(store: reopened).apply(try Self.spec(project: "next"), environment: .production, author: "t")
            #expect(try await reopened.load(Self.key("next"))?.ports == PortPair(blue: 4100, spare: 4499))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFullRangeIsAnErrorForThatEnvironmentOnly(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
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
    }

    @Test(arguments: StoreKind.allCases)
    func rollbackNeedsAGraceSlotAndCopiesItsRevision(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
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

            // Before that switch is carried out, a second rollback goes back to the active
            // version (which the switch is about to make grace), not to the grace one again.
            let again = try await operations.rollback(Self.key(), author: "alice")
            #expect(again.rollbackOf == 2)
            #expect(again.hash == (try await store.load(Self.key())?.revision(2)?.hash))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func promoteApprovesTheLatestRevision(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.spec(), environment: .production, author: "t")
            #expect(try await operations.promote(Self.key(), author: "t") == 1)
            #expect(try await store.load(Self.key())?.promotionApproved == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func changesAreAnnounced(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let changes = store.changes()
            try await StateOperations(store: store).apply(try Self.spec(), environment: .production, author: "t")
            var iterator = changes.makeAsyncIterator()
            #expect(await iterator.next() == Self.key())
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentAppliesLeaveAConsistentHistory(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for version in 1...100 {
                    group.addTask { try await operations.apply(try Self.spec(version: version), environment: .production, author: "t") }
                }
                try await group.waitForAll()
            }
            let numbers = try #require(try await store.load(Self.key())).revisions.map(\.number)
            #expect(numbers == Array(1...100))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func whatWasStoredIsWhatLoads(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.spec(), environment: .production, author: "alice")
            try await operations.apply(try Self.spec(version: 2), environment: .production, author: "bob")
            let stored = try await store.update(Self.key()) { state, _ -> EnvironmentState? in
                let (old, new) = (state?.revision(1)?.hash, state?.revision(2)?.hash)
                state?.blue = SlotRecord(slot: .blue, state: .grace, revision: 1, hash: old, port: 4100)
                state?.blue.graceUntil = Date(timeIntervalSinceReferenceDate: 812_345_678.123_456_7)
                state?.green = SlotRecord(slot: .green, state: .active, revision: 2, hash: new, port: 4101)
                state?.green.healthyStreak = 3
                state?.promotionApproved = 2
                state?.status.observedGeneration = 2
                return state
            }
            #expect(try await store.load(Self.key()) == stored)
            if kind == .postgres {
                #expect(try await harness.open().load(Self.key()) == stored, "a second controller reads the same value")
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func twoEnvironmentsClaimingOneDomainAtOnceExactlyOneWins(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let first = try await harness.open()
            // Two controllers for PostgreSQL; the file store has one writer per directory.
            let stores = [first, kind == .postgres ? try await harness.open() : first]
            let results = await withTaskGroup(of: Result<String, any Error>.self) { group in
                for (index, project) in ["left", "right"].enumerated() {
                    group.addTask {
                        let operations = StateOperations(store: stores[index])
                        do {
                            try await operations.apply(try Self.spec(project: project, domain: "contested.test"), environment: .production, author: "t")
                            return .success(project)
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            let loser = results.compactMap { result -> StoreError? in
                if case .failure(let error) = result { return error as? StoreError }
                return nil
            }
            #expect(loser.map(\.kind) == [.conflict], "\(loser.map(\.message))")
            let keys = try await stores[0].keys()
            #expect(keys.map(\.project.value) == winners, "the loser wrote nothing")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aProjectBelongsToTheTeamThatCreatedIt(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.spec(), environment: .production, author: "t")
            let error = await #expect(throws: StoreError.self) {
                try await operations.apply(try Self.spec(team: "rivals"), environment: .staging, author: "t")
            }
            #expect(error?.kind == .conflict, "\(error?.message ?? "")")
            #expect(error?.message.contains("belongs to another team") == true)
            #expect(error?.message.contains("acme") == false, "another team's name is never revealed")
            #expect(try await store.keys() == [Self.key()])
            try await store.update(Self.key()) { state, _ in state = nil }
            try await operations.apply(try Self.spec(team: "rivals"), environment: .staging, author: "t")
            #expect(try await store.load(Self.key("shop", .staging))?.team.value == "rivals", "a project with no environment left is free")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func namesThatConcatenateAlikeCannotCoexist(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            let webPreview = try EnvironmentName(parsing: "preview-production")
            try await operations.apply(try Self.spec(project: "web", team: "acme"), environment: webPreview, author: "t")
            let before = try await store.load(Self.key("web", webPreview))
            let error = await #expect(throws: StoreError.self) {
                try await operations.apply(try Self.spec(project: "web-preview", team: "rivals"), environment: .production, author: "t")
            }
            #expect(error?.kind == .conflict)
            #expect(error?.message.contains("web-preview-production is taken") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("acme") == false && error?.message.contains("web/") == false, "the other team's names stay hidden")
            #expect(try await store.keys() == [Self.key("web", webPreview)], "the loser wrote nothing")
            #expect(try await store.load(Self.key("web", webPreview)) == before)
            // Released with the environment.
            try await store.update(Self.key("web", webPreview)) { state, _ in state = nil }
            try await operations.apply(try Self.spec(project: "web-preview", team: "rivals"), environment: .production, author: "t")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func generatedPreviewHostnamesAreClaimed(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let preview = try Hostname(parsing: "preview.test")
            let operations = StateOperations(store: store, previewDomain: preview)
            let pr = try EnvironmentName(parsing: "preview-pr-1")
            try await operations.apply(try Self.spec(project: "web", team: "acme"), environment: pr, author: "t")
            for taken in ["preview-pr-1.web.preview.test", "blue-preview-pr-1-web.preview.test", "green-production-shop.preview.test"] {
                if taken.hasPrefix("green-production-shop") {
                    try await operations.apply(try Self.spec(project: "shop", team: "acme"), environment: .production, author: "t")
                }
                let error = await #expect(throws: StoreError.self, "\(taken)") {
                    try await operations.apply(try Self.spec(project: "thief", team: "rivals", domain: taken), environment: .production, author: "t")
                }
                #expect(error?.kind == .conflict)
                #expect(error?.message.contains("by another environment") == true, "\(error?.message ?? "")")
            }
            #expect(try await store.load(Self.key("thief")) == nil)
            // And the other way round: a written domain blocks the environment that would generate it.
            try await operations.apply(try Self.spec(project: "early", team: "rivals", domain: "preview-pr-2.web.preview.test"), environment: .production, author: "t")
            let error = await #expect(throws: StoreError.self) {
                try await operations.apply(try Self.spec(project: "web", team: "acme"), environment: try EnvironmentName(parsing: "preview-pr-2"), author: "t")
            }
            #expect(error?.message.contains("preview hostname preview-pr-2.web.preview.test") == true, "\(error?.message ?? "")")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func twoTeamsRacingForOneNewProjectLeaveExactlyOneOwner(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let first = try await harness.open()
            let stores = [first, kind == .postgres ? try await harness.open() : first]
            for round in 0..<100 {
                let project = "race\(round)"
                let outcomes = await withTaskGroup(of: (team: String, won: Bool).self) { group in
                    for (index, (team, environment)) in [("acme", EnvironmentName.production), ("rivals", .staging)].enumerated() {
                        group.addTask {
                            do {
                                try await StateOperations(store: stores[index]).apply(try Self.spec(project: project, team: team), environment: environment, author: "t")
                                return (team, true)
                            } catch {
                                return (team, false)
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                let winners = outcomes.filter(\.won).map(\.team)
                #expect(winners.count == 1, "round \(round): \(outcomes)")
                let teams = Set(try await first.keys().filter { $0.project.value == project }.asyncMap { try await first.load($0)?.team.value }.compactMap { $0 })
                #expect(teams == Set(winners), "round \(round): the loser wrote nothing")
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func cleanupEmptiesFailedSlotsOnly(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            let revision = try await operations.apply(try Self.spec(), environment: .production, author: "t")
            try await store.update(Self.key()) { state, _ in
                state?.blue = SlotRecord(slot: .blue, state: .active, revision: revision.number, hash: revision.hash, port: 4100)
                state?.green = SlotRecord(slot: .green, state: .failed, revision: revision.number, hash: revision.hash, port: 4101)
            }
            #expect(try await operations.cleanup(Self.key()) == [.green])
            let state = try await store.load(Self.key())
            #expect(state?.green.state == .empty)
            #expect(state?.blue.state == .active, "what serves traffic stays")
            #expect(try await operations.cleanup(Self.key()).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedBodyWritesNothingAndAnnouncesNothing(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            try await StateOperations(store: store).apply(try Self.spec(), environment: .production, author: "t")
            let before = try await store.load(Self.key())
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await store.update(Self.key()) { state, _ in
                    state?.deleting = true
                    throw Refused()
                }
            }
            #expect(try await store.load(Self.key()) == before)
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
