@testable import Controller
import Drivers
import Foundation
import State
import Testing
import TestSupport

/// The shared container cache: one list, then the executor's own changes and the engine's
/// events keep it current; a broken event stream or an expired period lists again.
@Suite struct ContainerCacheTests {
    static func spec(_ slot: String) -> ContainerSpec {
        ContainerSpec(
            name: "shop-production-\(slot)", image: "codeb-test/web:1",
            labels: [ManagedLabels.team: "acme", ManagedLabels.project: "shop", ManagedLabels.environment: "production", ManagedLabels.slot: slot],
            containerPort: 8080, hostPort: slot == "blue" ? 4100 : 4101, memoryBytes: 64 << 20, nanoCPUs: 500_000_000
        )
    }

    @Test func passesReadOneListAndTheExecutorsChangesWithoutListingAgain() async throws {
        let fake = FakeRuntime()
        let runtime = CachingRuntime(fake)
        #expect(try await runtime.listManaged().isEmpty)
        let blue = try await runtime.create(Self.spec("blue"))
        try await runtime.start(blue)
        let green = try await runtime.create(Self.spec("green"))
        #expect(try await runtime.listManaged().map(\.id).sorted() == [blue, green].sorted())
        #expect(try await runtime.listManaged().first { $0.id == blue }?.state == .running)
        try await runtime.stop(blue, timeout: .seconds(1))
        #expect(try await runtime.listManaged().first { $0.id == blue }?.state == .exited)
        try await runtime.remove(green)
        #expect(try await runtime.listManaged().map(\.id) == [blue])
        #expect(fake.lists == 1, "only the first read listed")
    }

    @Test func eventsUpdateTheCacheAndAResumedStreamListsAgain() async throws {
        let fake = FakeRuntime()
        let runtime = CachingRuntime(fake)
        let blue = try await runtime.create(Self.spec("blue"))
        try await runtime.start(blue)
        _ = try await runtime.listManaged()
        let lists = fake.lists
        // Behind the controller's back: the engine says so with an event.
        fake.set(blue, state: .exited)
        await runtime.cache.observe(ContainerEvent(action: "die", containerID: blue, name: nil, labels: [:], exitCode: 137, timeNano: 1))
        #expect(try await runtime.listManaged().first?.state == .exited)
        fake.delete(blue)
        await runtime.cache.observe(ContainerEvent(action: "destroy", containerID: blue, name: nil, labels: [:], exitCode: nil, timeNano: 2))
        #expect(try await runtime.listManaged().isEmpty)
        #expect(fake.lists == lists, "events are applied without listing")
        await runtime.cache.observe(.resumed)
        _ = try await runtime.listManaged()
        #expect(fake.lists == lists + 1, "after a broken stream the next read lists again")
    }

    @Test func anExpiredPeriodListsAgain() async throws {
        let fake = FakeRuntime()
        let runtime = CachingRuntime(fake, relistEvery: .milliseconds(1))
        _ = try await runtime.listManaged()
        try await Task.sleep(for: .milliseconds(5))
        _ = try await runtime.listManaged()
        #expect(fake.lists == 2)
    }
}
