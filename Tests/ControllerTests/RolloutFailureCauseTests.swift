@testable import Controller
import Foundation
import Logging
@testable import Planning
import Spec
import State
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
        #expect(cause.hasPrefix("not healthy within 10s: port 4100 is in use by another process"), "\(cause)")
        #expect(cause.contains("port is already allocated"), "\(cause)")
        let state = try #require(try await store.load(Fixture.key))
        #expect(state.slots.compactMap(\.failureReason) == [.portInUse])
        #expect(state.status.condition(.degraded)?.reason == .portInUse)
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

    /// One row: what the engine said, what the container did, what the probe saw → the cause.
    struct Row: Sendable, CustomTestStringConvertible {
        var error: String?
        var state: ContainerInfo.State?
        var exitCode: Int?
        var oom: Bool?
        var unhealthy = 0
        var reason: Condition.Reason
        var message: String
        var testDescription: String { reason.rawValue }
    }

    @Test(arguments: [
        Row(error: "Bind for 127.0.0.1:4321 failed: port is already allocated", reason: .portInUse, message: "port 4321 is in use by another process"),
        Row(error: "listen tcp4 127.0.0.1:4100: bind: address already in use", reason: .portInUse, message: "port 4100 is in use by another process"),
        Row(error: "create container x: no space left on device", reason: .startFailed,
            message: "the engine would not start the container: create container x: no space left on device"),
        Row(state: .exited, exitCode: 137, oom: true, reason: .oomKilled, message: "killed for running out of memory (memory limit 16m)"),
        Row(state: .restarting, exitCode: 3, oom: false, reason: .containerExited, message: "the container exited with code 3"),
        Row(state: .running, unhealthy: 4, reason: .unhealthy, message: "GET /health answered HTTP 503 (4 unhealthy answers since deploy)"),
        Row(state: .running, reason: .noAnswer, message: "not healthy within 10s: GET /health answered HTTP 503"),
    ])
    func aRolloutOutOfTimeNamesItsCause(_ row: Row) {
        var record = SlotRecord(slot: .blue, state: .deployed, revision: 1, hash: "h", port: 4100, lastProbe: "GET /health answered HTTP 503")
        record.unhealthyAnswers = row.unhealthy
        let container = row.state.map {
            ContainerInfo(id: "c", name: "shop-production-blue", image: "codeb-test/web:1", labels: [:], state: $0,
                          exitCode: row.exitCode, memoryBytes: 16 << 20, oomKilled: row.oom)
        }
        let cause = Planner.failureCause(lastPassError: row.error, container: container, record: record, deadline: .seconds(10))
        #expect(cause.reason == row.reason)
        #expect(cause.message.hasPrefix("not healthy within 10s: "))
        #expect(cause.message.contains(row.message), "\(cause.message)")
    }

    /// The engine restarted the container, so it runs again: the exit the slot remembers is the cause.
    @Test func anExitSeenEarlierInTheRolloutIsStillTheCause() {
        var record = SlotRecord(slot: .blue, state: .deployed, revision: 1, hash: "h", port: 4100, lastProbe: "GET /health on port 4100 failed: refused")
        record.lastExitCode = 3
        let running = ContainerInfo(id: "c", name: "n", image: "i", labels: [:], state: .running, exitCode: 0)
        let cause = Planner.failureCause(lastPassError: nil, container: running, record: record, deadline: .seconds(3))
        #expect(cause.reason == .containerExited)
        #expect(cause.message == "not healthy within 3s: the container exited with code 3")
    }

    @Test func nothingAnsweringAtAllSaysSo() {
        let record = SlotRecord(slot: .blue, state: .deployed, revision: 1, hash: "h", port: 4100)
        let cause = Planner.failureCause(lastPassError: nil, container: nil, record: record, deadline: .seconds(3))
        #expect(cause.reason == .noAnswer)
        #expect(cause.message == "not healthy within 3s: no probe answered")
    }
}
