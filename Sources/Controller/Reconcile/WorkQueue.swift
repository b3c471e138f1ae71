import Drivers
import Foundation
import Metrics
import State

/// The keys waiting to be reconciled, like controller-runtime's work queue: a key is queued at
/// most once, is never handed to two workers at once (re-added while in progress, it runs again
/// after), can be delayed, and backs off exponentially with jitter while it keeps failing.
public actor WorkQueue<Key: Hashable & Sendable> {
    public struct Backoff: Sendable {
        public var base: Duration
        public var maximum: Duration

        public init(base: Duration = .milliseconds(200), maximum: Duration = .seconds(60)) {
            self.base = base
            self.maximum = maximum
        }
    }

    private var ready: [Key] = []
    private var queued: Set<Key> = []
    private var processing: Set<Key> = []
    private var dirty: Set<Key> = []
    /// Times are offsets on `clock` since the queue was made (the clock is any `Clock<Duration>`).
    private var due: [Key: Duration] = [:]
    private var failures: [Key: Int] = [:]
    /// When each ready key was queued, for `codeb_queue_wait_seconds`.
    private var queuedAt: [Key: Duration] = [:]
    private var waiters: [CheckedContinuation<Key?, Never>] = []
    private var isShutDown = false
    private let backoff: Backoff
    /// The clock's time since the queue was made.
    private let elapsed: @Sendable () -> Duration
    /// Sleeps until that time.
    private let sleep: @Sendable (Duration) async throws -> Void

    /// `clock` times delays and backoff (a test passes a `TestClock` and moves it).
    public init<C: Clock<Duration>>(backoff: Backoff = Backoff(), clock: C = ContinuousClock()) {
        self.backoff = backoff
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
        sleep = { offset in try await clock.sleep(until: start.advanced(by: offset), tolerance: nil) }
    }

    /// Queues `key` now.
    public func add(_ key: Key) {
        guard !isShutDown else { return }
        if processing.contains(key) {
            dirty.insert(key)
            return
        }
        guard queued.insert(key).inserted else { return }
        if let waiter = waiters.first {
            waiters.removeFirst()
            queued.remove(key)
            processing.insert(key)
            Self.waited(.zero)
            waiter.resume(returning: key)
        } else {
            ready.append(key)
            queuedAt[key] = elapsed()
        }
    }

    /// Queues `key` after `delay`; an earlier pending schedule for it wins.
    public func add(_ key: Key, after delay: Duration) {
        guard !isShutDown else { return }
        guard delay > .zero else { return add(key) }
        let when = elapsed() + delay
        if let existing = due[key], existing <= when { return }
        due[key] = when
        let sleep = self.sleep
        Task { [weak self] in
            try? await sleep(when)
            await self?.fire(key, scheduledFor: when)
        }
    }

    private func fire(_ key: Key, scheduledFor when: Duration) {
        guard due[key] == when else { return }
        due[key] = nil
        add(key)
    }

    /// The next key to work on, waiting for one; nil once shut down.
    public func next() async -> Key? {
        if isShutDown { return nil }
        if !ready.isEmpty {
            let key = ready.removeFirst()
            queued.remove(key)
            processing.insert(key)
            if let since = queuedAt.removeValue(forKey: key) { Self.waited(elapsed() - since) }
            return key
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Work on `key` finished (successfully: its backoff resets).
    public func done(_ key: Key) {
        failures[key] = nil
        finish(key)
    }

    /// Work on `key` failed: it is queued again after an exponential, jittered delay, which is returned.
    @discardableResult
    public func failed(_ key: Key) -> Duration {
        let count = (failures[key] ?? 0) + 1
        failures[key] = count
        let exponent = min(count - 1, 20)
        let raw = min(backoff.base * (1 << exponent), backoff.maximum)
        let delay = raw * Double.random(in: 0.5..<1.5)
        finish(key)
        add(key, after: delay)
        return delay
    }

    private func finish(_ key: Key) {
        processing.remove(key)
        if dirty.remove(key) != nil { add(key) }
    }

    /// How long a key waited between being queued (or its delay ending) and a worker taking it.
    private static func waited(_ duration: Duration) {
        Timer(label: MetricFamily.queueWaitSeconds.name).recordNanoseconds(duration.inNanoseconds)
    }

    /// How many keys wait to be handed out (not counting delayed ones).
    public var depth: Int { ready.count }

    public var inProgress: Int { processing.count }

    /// How many workers wait in `next()` for a key.
    public var waitingWorkers: Int { waiters.count }

    /// Wakes every waiting worker with nil; adds are ignored from now on.
    public func shutDown() {
        isShutDown = true
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters = []
        ready = []
        queuedAt = [:]
        queued = []
    }
}
