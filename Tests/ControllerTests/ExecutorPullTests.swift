@testable import Controller
import APIModel
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// The executor before a create: pulls a registry's image with the team's login, records the
/// digest and restarts the deploy clock; a refused or missing image fails the rollout at once,
/// naming the registry and the command; dockerd being away does not; secrets are opened into
/// the container's environment and nowhere else.
@Suite struct ExecutorPullTests {
    static let image = "registry.test/acme/shop:1"
    static let owner = SecretOwner(team: try! ResourceName(parsing: "acme"), project: Fixture.key.project)

    struct World {
        let store = MemoryStore()
        let runtime = FakeRuntime()
        let provenance = MemoryImageProvenance()
        let vault: SecretVault
        let keys: String

        init() throws {
            keys = NSTemporaryDirectory() + "codeb-keys-" + UUID().uuidString.prefix(8)
            vault = try SecretVault.open(store: store, keyFile: keys + "/secret.key")
        }

        var executor: Executor { Executor(runtime: runtime, router: FakeRouter(), store: store, vault: vault, provenance: provenance) }

        /// Revision 1 of shop/production recorded, its blue slot deployed (the intent before create).
        func deploy() async throws -> Date {
            let spec = try SpecLoader.load("project: shop\nteam: acme\nimage: \(ExecutorPullTests.image)\nport: 8080\nenvironments:\n  production: { domains: [shop.test] }\n", file: "f")
            try await StateOperations(store: store, ports: TestPorts.ranges).apply(spec, environment: .production, author: "t")
            let deployedAt = Date(timeIntervalSince1970: 1_000)
            try await store.update(Fixture.key) { state, _ in
                let hash = state?.desired?.hash
                state?.blue = SlotRecord(slot: .blue, state: .deployed, revision: 1, hash: hash, port: 4100, deployedAt: deployedAt)
            }
            return deployedAt
        }

        func create(secrets: SecretsBinding? = nil) async throws {
            let spec = ContainerSpec(
                name: "shop-production-blue", image: ExecutorPullTests.image, env: ["PLAIN": "1"], secrets: secrets,
                labels: [ManagedLabels.team: "acme", ManagedLabels.project: "shop", ManagedLabels.environment: "production",
                         ManagedLabels.slot: "blue", ManagedLabels.specHash: "sha256:x", ManagedLabels.revision: "1"],
                containerPort: 8080, hostPort: 4100, memoryBytes: 64 << 20, nanoCPUs: 500_000_000
            )
            try await executor.execute(Plan(actions: [.createContainer(slot: .blue, spec: spec)]), for: Fixture.key)
        }

        var blue: SlotRecord? { get async { await store.load(Fixture.key)?.blue } }
    }

    @Test(arguments: [
        (RuntimeError.Kind.registryDenied, false, "registry registry.test wants a login to pull \(image)"),
        (.registryDenied, true, "registry registry.test refused the team's login"),
        (.notFound, false, "registry registry.test has no \(image)"),
        (.imagePullFailed, false, "pulling \(image) from registry registry.test failed"),
    ])
    func aRefusedOrMissingImageFailsTheRolloutNamingTheRegistry(kind: RuntimeError.Kind, loggedIn: Bool, reason: String) async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(atPath: world.keys) }
        _ = try await world.deploy()
        if loggedIn {
            try await world.vault.login(team: Self.owner.team, host: try RegistryHost(parsing: "registry.test"), username: "ci", password: "pw", author: "t")
        }
        world.runtime.failPulls(RuntimeError(kind, operation: "pull image \(Self.image)", message: "the registry's words"))
        await #expect(throws: ExecutionError.self) { try await world.create() }
        let blue = try #require(await world.blue)
        #expect(blue.state == .failed)
        #expect(blue.failure?.contains(reason) == true, "\(blue.failure ?? "")")
        #expect(blue.failure?.contains("the registry's words") == true)
        if kind == .registryDenied { #expect(blue.failure?.contains("codeb registry login registry.test") == true) }
        #expect(world.runtime.containers.isEmpty)
    }

    @Test func dockerdBeingAwayIsRetriedNotAFailedRollout() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(atPath: world.keys) }
        _ = try await world.deploy()
        world.runtime.failPulls(RuntimeError(.unavailable, operation: "pull", message: "no socket"))
        await #expect(throws: ExecutionError.self) { try await world.create() }
        #expect(await world.blue?.state == .deployed)
    }

    @Test func aPullUsesTheTeamsLoginRecordsTheDigestAndRestartsTheDeployClock() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(atPath: world.keys) }
        let before = try await world.deploy()
        try await world.vault.login(team: Self.owner.team, host: try RegistryHost(parsing: "registry.test"), username: "ci", password: "pw", author: "t")
        try await world.create()
        #expect(world.runtime.pulls.map(\.auth) == [RegistryAuth(username: "ci", password: "pw", server: "registry.test")])
        let state = try #require(await world.store.load(Fixture.key))
        #expect(state.revisions[0].imageDigest == "sha256:" + String(repeating: "ab", count: 32))
        #expect((state.blue.deployedAt ?? before) > before)
        #expect(state.blue.pull == nil)
        #expect(world.runtime.containers.count == 1)
    }

    @Test func secretsAreOpenedIntoTheContainersEnvironmentByTheirPinnedVersion() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(atPath: world.keys) }
        _ = try await world.deploy()
        let name = try EnvVarName(parsing: "DATABASE_URL")
        try await world.vault.set(Self.owner, scope: nil, values: [name: "first"], author: "t")
        let pinned = try #require(try await world.vault.bind(Self.owner, names: [name], environment: .production))
        try await world.vault.set(Self.owner, scope: nil, values: [name: "second"], author: "t")
        try await world.create(secrets: pinned)
        let env = try #require(world.runtime.containers.first?.spec?.env)
        #expect(env == ["PLAIN": "1", "DATABASE_URL": "first"])
    }

    @Test func aSlowPullShowsItsProgressOnTheSlotUntilItIsDone() async throws {
        let world = try World()
        defer { try? FileManager.default.removeItem(atPath: world.keys) }
        _ = try await world.deploy()
        world.runtime.holdPulls(true)
        let creating = Task { try await world.create() }
        let shown = try await eventually("the pull's progress on the slot", within: .seconds(60)) { await world.blue?.pull }
        #expect(shown.description == "pulling 1.0/2.0 MB")
        #expect(SlotView(try #require(await world.blue)).pulling == "pulling 1.0/2.0 MB")
        world.runtime.holdPulls(false)
        try await creating.value
        #expect(await world.blue?.pull == nil)
    }
}
