@testable import Controller
import Drivers
import State
import TestSupport
import Foundation
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct WorkQueueTests {
    @Test func aKeyIsQueuedOnce() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        await queue.add("a")
        await queue.add("b")
        #expect(await queue.depth == 2)
        #expect(await queue.next() == "a")
        #expect(await queue.next() == "b")
        #expect(await queue.depth == 0)
    }

    @Test func aKeyInProgressIsNotHandedOutAgainUntilDone() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        #expect(await queue.next() == "a")
        await queue.add("a")
        await queue.add("b")
        #expect(await queue.next() == "b", "a is still in progress")
        await queue.done("a")
        #expect(await queue.next() == "a", "re-added while in progress: runs again after")
    }

    /// On a clock the test moves: not a moment early, exactly once, whatever the machine's load.
    @Test func delayedKeysArriveAfterTheirDelay() async throws {
        let clock = TestClock()
        let queue = WorkQueue<String>(clock: clock)
        await queue.add("late", after: .milliseconds(150))
        await queue.add("late", after: .seconds(120))  // an earlier schedule wins
        try await Self.untilAsleep(clock, 1)
        clock.advance(by: .milliseconds(149))
        #expect(await queue.depth == 0)
        #expect(clock.sleepers == 1, "not due yet")
        clock.advance(by: .milliseconds(1))
        #expect(await queue.next() == "late")
        await queue.done("late")
        clock.advance(by: .seconds(120))
        let depth = await queue.depth
        #expect(clock.sleepers == 0 && depth == 0, "the later schedule was dropped")
    }

    /// A failed key comes back after its backoff on the queue's clock, not before.
    @Test func aFailedKeyComesBackAfterItsBackoff() async throws {
        let clock = TestClock()
        let queue = WorkQueue<String>(backoff: .init(base: .seconds(60), maximum: .seconds(600)), clock: clock)
        await queue.add("k")
        _ = await queue.next()
        let delay = await queue.failed("k")
        try await Self.untilAsleep(clock, 1)
        clock.advance(by: delay - .milliseconds(1))
        #expect(await queue.depth == 0)
        clock.advance(by: .milliseconds(1))
        #expect(await queue.next() == "k")
    }

    struct NeverAsleep: Error, CustomStringConvertible {
        let count: Int
        var description: String { "\(count) task(s) never went to sleep on the manual clock within 10 s" }
    }

    /// Waits (polling, with a deadline) until `count` tasks sleep on `clock`.
    static func untilAsleep(_ clock: TestClock, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while clock.sleepers < count {
            guard ContinuousClock.now < deadline else { throw NeverAsleep(count: count) }
            await Task.yield()
        }
    }

    @Test func failuresBackOffExponentiallyAndResetOnSuccess() async {
        let queue = WorkQueue<String>(backoff: .init(base: .milliseconds(100), maximum: .seconds(1)))
        var delays: [Duration] = []
        for _ in 0..<6 {
            await queue.add("k")
            _ = await queue.next()
            delays.append(await queue.failed("k"))
        }
        // base × 2^n with ±50 % jitter, capped.
        #expect(delays[0] >= .milliseconds(50) && delays[0] < .milliseconds(150))
        #expect(delays[3] >= .milliseconds(400) && delays[3] < .milliseconds(1200))
        #expect(delays[5] < .milliseconds(1500))
        _ = await queue.next()
        await queue.done("k")
        await queue.add("k")
        _ = await queue.next()
        #expect(await queue.failed("k") < .milliseconds(150), "success reset the count")
    }

    @Test func shutDownReleasesWaitingWorkers() async {
        let queue = WorkQueue<String>()
        async let waiting = queue.next()
        while await queue.waitingWorkers == 0 { await Task.yield() }
        await queue.shutDown()
        #expect(await waiting == nil)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ReconcileLoopTests {
    static func key(_ name: String) -> EnvironmentKey {
        EnvironmentKey(project: try! .init(parsing: name), environment: .production)
    }

    /// Never more than `workers` passes at once, and never two for one key.
    @Test func passesAreBoundedAndPerKeySerialized() async throws {
        let store: any Store = try FileStore(directory: NSTemporaryDirectory() + "codeb-loop-" + UUID().uuidString.prefix(8))
        let state = Mutex((running: Set<EnvironmentKey>(), maximum: 0, overlap: false, passes: 0))
        let loop = ReconcileLoop(store: store, runtime: nil, workers: 3, resync: .seconds(3600)) { key in
            state.withLock { s in
                if s.running.contains(key) { s.overlap = true }
                s.running.insert(key)
                s.maximum = max(s.maximum, s.running.count)
            }
            try await Task.sleep(for: .milliseconds(20))
            state.withLock { s in s.running.remove(key); s.passes += 1 }
            return nil
        }
        let task = Task { await loop.run() }
        for round in 0..<5 {
            for index in 0..<8 { await loop.queue.add(Self.key("p\(index)")) }
            if round == 2 { try await Task.sleep(for: .milliseconds(30)) }
        }
        _ = try await eventually("8 passes", within: .seconds(30), every: .milliseconds(20)) { state.withLock { $0.passes } >= 8 ? true : nil }
        task.cancel()
        await task.value
        let result = state.withLock { $0 }
        #expect(result.maximum <= 3)
        #expect(result.maximum >= 2)
        #expect(result.overlap == false)
    }

    @Test func storeChangesAndRequeueAfterTriggerPasses() async throws {
        let store: any Store = try FileStore(directory: NSTemporaryDirectory() + "codeb-loop-" + UUID().uuidString.prefix(8))
        let passes = Mutex(0)
        let loop = ReconcileLoop(store: store, runtime: nil, workers: 1, resync: .seconds(3600)) { _ in
            // Ask to be looked at again soon, three times.
            passes.withLock { $0 += 1; return $0 } < 3 ? .milliseconds(20) : nil
        }
        let task = Task { await loop.run() }
        await loop.listening.wait()
        let key = Self.key("changed")
        try await store.update(key) { state, _ in state = EnvironmentState(key: key, team: try .init(parsing: "t"), ports: PortPair(blue: 4100)) }
        _ = try await eventually("the change and two requeues", within: .seconds(30), every: .milliseconds(20)) { passes.withLock { $0 } >= 3 ? true : nil }
        task.cancel()
        await task.value
        // The resync at start may add one more pass for the key; the point is the change and the requeues arrived.
        #expect(passes.withLock { $0 } >= 3)
    }

    @Test func drainingLetsThePassInProgressFinish() async throws {
        let store: any Store = try FileStore(directory: NSTemporaryDirectory() + "codeb-loop-" + UUID().uuidString.prefix(8))
        let state = Mutex((started: false, finished: false))
        let loop = ReconcileLoop(store: store, runtime: nil, workers: 1, resync: .seconds(3600)) { _ in
            state.withLock { $0.started = true }
            try await Task.sleep(for: .milliseconds(300))
            state.withLock { $0.finished = true }
            return nil
        }
        let task = Task { await loop.run() }
        await loop.queue.add(Self.key("slow"))
        _ = try await eventually("the pass started", every: .milliseconds(10)) { state.withLock { $0.started } ? true : nil }
        await loop.drain()
        await task.value
        #expect(state.withLock { $0.finished }, "the pass in progress ran to its end")
    }
}
