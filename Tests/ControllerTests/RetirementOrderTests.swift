@testable import Controller
import Drivers
import Foundation
import Logging
@testable import Planning
import State
import Support
import Synchronization
import Testing
import TestSupport

/// An evicted container is torn down after the plan that evicted it — never while the engine is
/// still creating and starting its successor, which the teardown would slow.
@Suite struct RetirementOrderTests {
    /// The fake engine with a create that waits for the test, and a journal of what was done.
    final class GatedRuntime: ContainerRuntime {
        let base = FakeRuntime()
        let journal = Mutex<[String]>([])
        let gate = StopSignal()
        let createEntered = StopSignal()

        func ping() async throws -> RuntimeInfo { try await base.ping() }
        func listManaged() async throws -> [ContainerInfo] { try await base.listManaged() }
        func inspect(_ idOrName: String) async throws -> ContainerInfo? { try await base.inspect(idOrName) }
        func create(_ spec: ContainerSpec) async throws -> String {
            createEntered.fire()
            await gate.wait()
            journal.withLock { $0.append("create \(spec.name)") }
            return try await base.create(spec)
        }
        func start(_ id: String) async throws { journal.withLock { $0.append("start") }; try await base.start(id) }
        func rename(_ id: String, to name: String) async throws { journal.withLock { $0.append("rename \(id)") }; try await base.rename(id, to: name) }
        func stop(_ id: String, timeout: Duration) async throws { journal.withLock { $0.append("stop \(id)") }; try await base.stop(id, timeout: timeout) }
        func remove(_ id: String) async throws { journal.withLock { $0.append("remove \(id)") }; try await base.remove(id) }
        func logs(_ id: String, tail: Int?, since: LogTime?) async throws -> [LogLine] { [] }
        func followLogs(_ id: String, tail: Int?, since: LogTime?) -> AsyncThrowingStream<LogLine, any Error> { base.followLogs(id, tail: tail, since: since) }
        func imageExists(_ reference: String) async throws -> Bool { true }
        func imageID(_ reference: String) async throws -> String? { "sha256:" + reference }
        func pull(_ reference: String, auth: RegistryAuth?, progress: (@Sendable (PullProgress) -> Void)?) async throws -> String? { nil }
        func events(since: Date?) -> AsyncStream<ContainerEvent> { base.events(since: since) }
        func managedNetworks() async throws -> [String] { [] }
        func removeNetwork(_ name: String) async throws {}
        func managedVolumes(project: String?, environment: String?) async throws -> [VolumeInfo] { [] }
        func removeVolume(_ name: String) async throws {}
        func volumeSizes(_ names: Set<String>) async throws -> [String: Int64] { [:] }
        func pause(_ id: String) async throws {}
        func unpause(_ id: String) async throws {}
        func archive(_ id: String, path: String, into sink: @Sendable (Data) async throws -> Void) async throws -> Int64 { 0 }
        func extract(_ id: String, path: String, from source: @escaping @Sendable () async throws -> Data?) async throws {}
    }

    @Test func theEvictedContainerIsStoppedOnlyOnceItsSuccessorHasStarted() async throws {
        let runtime = GatedRuntime()
        let old = try await runtime.base.create(ContainerSpec(
            name: "shop-production-green", image: "codeb-test/web:1",
            labels: [ManagedLabels.project: "shop", ManagedLabels.environment: "production", ManagedLabels.slot: "green"],
            containerPort: 8080, hostPort: 4101, memoryBytes: 64 << 20, nanoCPUs: 500_000_000
        ))
        try await runtime.base.start(old)
        var logger = Logger(label: "codeb.test")
        logger.logLevel = .critical
        let retirements = Retirements()
        let executor = Executor(runtime: runtime, router: FakeRouter(), store: MemoryStore(), retirements: retirements, logger: logger)
        let successor = ContainerSpec(
            name: "shop-production-green", image: "codeb-test/web:2",
            labels: [ManagedLabels.project: "shop", ManagedLabels.environment: "production", ManagedLabels.slot: "green"],
            containerPort: 8080, hostPort: 4102, memoryBytes: 64 << 20, nanoCPUs: 500_000_000
        )
        let plan = Plan(actions: [
            .retireContainer(id: old, name: "shop-production-green", retiredName: "shop-production-green-retired", timeout: .seconds(1), drain: nil, reason: "test"),
            .createContainer(slot: .green, spec: successor),
        ])
        let executing = Task { try await executor.execute(plan, for: Fixture.key) }
        await runtime.createEntered.wait()
        // The plan is held in the create; the retirement must wait for it. (A window to let a
        // teardown that did not wait show itself: nothing is expected to happen in it.)
        try await Task.sleep(for: .milliseconds(200))
        #expect(runtime.journal.withLock { $0 } == ["rename \(old)"])
        runtime.gate.fire()
        try await executing.value
        await retirements.idle()
        let journal = runtime.journal.withLock { $0 }
        #expect(journal == ["rename \(old)", "create shop-production-green", "start", "stop \(old)", "remove \(old)"], "\(journal)")
    }
}
