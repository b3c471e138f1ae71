@testable import Controller
import Drivers
import Foundation
@testable import Planning
import State
import Testing
import TestSupport

/// The executor's answer to a 409 on create (a container already holds the slot's name, e.g.
/// after a crash between create and the slot record): adopt it when it is this slot's and runs
/// the same template, replace it when it is this slot's but stale, and never touch one that is
/// another environment's or not codeb's. Identity is the labels, never the name.
@Suite struct ExecutorAdoptionTests {
    static let name = "shop-production-blue"

    static func spec(hash: String, team: String = "acme", project: String = "shop") -> ContainerSpec {
        ContainerSpec(
            name: name, image: "codeb-test/web:1",
            labels: [ManagedLabels.team: team, ManagedLabels.project: project, ManagedLabels.environment: "production",
                     ManagedLabels.slot: "blue", ManagedLabels.specHash: hash],
            containerPort: 8080, hostPort: 4100, memoryBytes: 64 << 20, nanoCPUs: 500_000_000, stopTimeoutSeconds: 1
        )
    }

    /// Runs one `createContainer` for the slot with template `hash` on a runtime that already
    /// holds `existing`, and returns the runtime and the error, if any.
    static func create(over existing: (FakeRuntime) async throws -> Void, hash: String = "sha256:new") async throws -> (FakeRuntime, (any Error)?) {
        let runtime = FakeRuntime()
        try await existing(runtime)
        let executor = Executor(runtime: runtime, router: FakeRouter(), store: MemoryStore())
        do {
            try await executor.execute(Plan(actions: [.createContainer(slot: .blue, spec: spec(hash: hash))]), for: Fixture.key)
            return (runtime, nil)
        } catch {
            return (runtime, error)
        }
    }

    @Test func aCreatedButUnstartedContainerOfTheSameTemplateIsAdoptedAndStarted() async throws {
        let (runtime, error) = try await Self.create(over: { _ = try await $0.create(Self.spec(hash: "sha256:new")) })
        #expect(error == nil)
        let containers = runtime.containers.filter(\.info.isManaged)
        #expect(containers.count == 1)
        #expect(containers.first?.info.id == "c1", "adopted, not recreated")
        #expect(containers.first?.info.state == .running)
    }

    @Test func aStaleContainerOfTheSameSlotIsReplaced() async throws {
        let (runtime, error) = try await Self.create(over: { _ = try await $0.create(Self.spec(hash: "sha256:old")) })
        #expect(error == nil)
        let containers = runtime.containers.filter(\.info.isManaged)
        #expect(containers.map(\.info.id) == ["c2"], "the stale one is removed and a new one created")
        #expect(containers.first?.info.labels[ManagedLabels.specHash] == "sha256:new")
        #expect(containers.first?.info.state == .running)
    }

    @Test(arguments: [("other", "shop"), ("acme", "shop-old")])
    func aContainerOfAnotherEnvironmentHoldingTheNameIsLeftAlone(team: String, project: String) async throws {
        let (runtime, error) = try await Self.create(over: { _ = try await $0.create(Self.spec(hash: "sha256:new", team: team, project: project)) })
        let failure = try #require(error as? ExecutionError)
        #expect(failure.underlying.contains("held by a container of another environment"))
        #expect(runtime.containers.map(\.info.id) == ["c1"], "nothing removed or created")
        #expect(runtime.containers.first?.info.labels[ManagedLabels.team] == team)
    }

    @Test func anUnmanagedContainerHoldingTheNameIsLeftAlone() async throws {
        let (runtime, error) = try await Self.create(over: { $0.addStranger(id: "stranger", name: Self.name) })
        let failure = try #require(error as? ExecutionError)
        #expect(failure.underlying.contains("not codeb's"))
        #expect(runtime.containers.map(\.info.id) == ["stranger"])
        #expect(runtime.touchedUnmanaged.isEmpty)
    }
}
