@testable import Controller
import Foundation
import Logging
import Spec
import Testing
import TestSupport

/// A rollout whose container never starts fails at its deadline naming why it never started —
/// the engine's error — not "no probe answered".
@Suite struct RolloutFailureCauseTests {
    @Test func aContainerTheEngineWillNotStartFailsTheRolloutWithTheEnginesError() async throws {
        let store = MemoryStore(), runtime = FakeRuntime(), router = FakeRouter(), clock = ManualClock(Fixture.t0)
        // Another process holds every production port.
        runtime.occupy(4100...4499)
        var logger = Logger(label: "codeb.test")
        logger.logLevel = .critical
        let reconciler = Reconciler(store: store, runtime: runtime, router: router, probe: FakeProbe { _ in true }, time: clock, logger: logger)
        let spec = try ReconcilerSimulationTests.spec(1, manual: false)
        try await StateOperations(store: store, time: clock).apply(spec, environment: .production, author: "test")

        var failure: String?
        for _ in 0..<40 where failure == nil {
            _ = try? await reconciler.reconcile(Fixture.key)
            clock.advance(by: 1)
            failure = try await store.load(Fixture.key)?.slots.compactMap(\.failure).first
        }
        let cause = try #require(failure)
        #expect(cause.hasPrefix("not healthy within 10s: the last pass failed: start container"), "\(cause)")
        #expect(cause.contains("port is already allocated"), "\(cause)")
        #expect(router.sites[Fixture.key]?.routes.allSatisfy(\.upstreams.isEmpty) != false, "nothing was routed to a container that never ran")
    }

    @Test func aPassThatSucceedsClearsTheCause() async throws {
        let store = MemoryStore(), runtime = FakeRuntime(), router = FakeRouter(), clock = ManualClock(Fixture.t0)
        var logger = Logger(label: "codeb.test")
        logger.logLevel = .critical
        let reconciler = Reconciler(store: store, runtime: runtime, router: router, probe: FakeProbe { _ in true }, time: clock, logger: logger)
        try await StateOperations(store: store, time: clock).apply(try ReconcilerSimulationTests.spec(1, manual: false), environment: .production, author: "test")
        runtime.failNextWrite()
        await #expect(throws: ExecutionError.self) { try await reconciler.reconcile(Fixture.key) }
        #expect(reconciler.passErrors[Fixture.key]?.contains("injected failure") == true)
        _ = try await reconciler.reconcile(Fixture.key)
        #expect(reconciler.passErrors[Fixture.key] == nil)
    }
}
