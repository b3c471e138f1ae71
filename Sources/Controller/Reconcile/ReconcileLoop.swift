import Dispatch
import Drivers
import Foundation
import Logging
import Metrics
import Spec
import State
import Support
import Synchronization

/// Level-triggered reconciliation: keys come from a jittered resync timer, store changes, Docker
/// events for managed containers and the planner's own `requeueAfter`; a bounded number of
/// workers take them from a `WorkQueue`, one pass per key at a time, backing off on errors.
public struct ReconcileLoop: Sendable {
    public typealias Pass = @Sendable (EnvironmentKey) async throws -> Duration?

    public let store: any Store
    public let runtime: (any ContainerRuntime)?
    public let queue: WorkQueue<EnvironmentKey>
    public let workers: Int
    public let resync: Duration
    public let events: EventFeed
    /// Which passes are running and since when: what the systemd watchdog asks about.
    public let monitor = LoopMonitor()
    /// Fired once `run` receives the store's changes: a change made after it is seen (one made
    /// before it is seen by the next resync).
    public let listening = StopSignal()
    let pass: Pass
    let logger: Logger
    /// The proxy to check every `proxyCheck`, and where to record what was seen.
    let proxy: (router: any TrafficRouter, health: ProxyHealth)?
    let proxyCheck: Duration
    /// Sweeps orphans every `resync`, when set.
    let sweeper: OrphanSweeper?
    /// Read every `trafficPoll`; an environment whose baking slot got requests is looked at at once.
    let traffic: (any TrafficSource)?
    let trafficPoll: Duration

    public init(
        store: any Store, runtime: (any ContainerRuntime)?, workers: Int = 4, resync: Duration = .seconds(30),
        queue: WorkQueue<EnvironmentKey> = WorkQueue(), events: EventFeed = EventFeed(),
        logger: Logger = Logger(label: "codeb.loop"), proxy: (router: any TrafficRouter, health: ProxyHealth)? = nil,
        proxyCheck: Duration = .seconds(2), sweeper: OrphanSweeper? = nil, traffic: (any TrafficSource)? = nil,
        trafficPoll: Duration = .milliseconds(100), pass: @escaping Pass
    ) {
        self.traffic = traffic
        self.trafficPoll = trafficPoll
        self.sweeper = sweeper
        self.proxy = proxy
        self.proxyCheck = proxyCheck
        self.store = store
        self.runtime = runtime
        self.queue = queue
        self.workers = max(1, workers)
        self.resync = resync
        self.events = events
        self.pass = pass
        self.logger = logger
    }

    /// A loop whose passes are a `Reconciler`'s.
    /// With `orphanDelay`, managed containers and sites the store does not know are removed
    /// after that long (`OrphanSweeper`); nil sweeps nothing.
    public init(
        reconciler: Reconciler, workers: Int = 4, resync: Duration = .seconds(30), proxyCheck: Duration = .seconds(2),
        orphanDelay: Duration? = nil
    ) {
        let sweeper = orphanDelay.map {
            OrphanSweeper(
                store: reconciler.store, runtime: reconciler.runtime, router: reconciler.router, node: reconciler.leases.node,
                delay: $0, time: reconciler.time, events: reconciler.events
            )
        }
        self.init(
            store: reconciler.store, runtime: reconciler.runtime, workers: workers, resync: resync, events: reconciler.events ?? EventFeed(),
            proxy: (reconciler.router, reconciler.proxyHealth), proxyCheck: proxyCheck, sweeper: sweeper, traffic: reconciler.traffic
        ) { key in
            try await reconciler.reconcile(key)
        }
    }

    /// Runs until the queue is shut down (graceful: passes in progress finish first) or the task
    /// is cancelled (which also shuts the queue down).
    public func run() async {
        let changes = store.changes()
        listening.fire()
        await withTaskGroup(of: Void.self) { watchers in
            watchers.addTask { await self.watch(changes) }
            if let runtime { watchers.addTask { await self.watchContainers(runtime) } }
            watchers.addTask { await self.resyncForever() }
            if let proxy { watchers.addTask { await self.watchProxy(proxy.router, proxy.health) } }
            if let sweeper { watchers.addTask { await self.sweepForever(sweeper) } }
            if let traffic { watchers.addTask { await self.followTraffic(traffic) } }
            await withTaskGroup(of: Void.self) { workers in
                for _ in 0..<self.workers {
                    workers.addTask { await self.work() }
                }
                await withTaskCancellationHandler {
                    await workers.waitForAll()
                } onCancel: {
                    Task { await queue.shutDown() }
                }
            }
            watchers.cancelAll()
        }
    }

    /// Stops handing out keys; `run` returns once the passes in progress have finished.
    public func drain() async {
        await queue.shutDown()
    }

    private func work() async {
        while let key = await queue.next() {
            let started = ContinuousClock.now
            monitor.begin(key, at: started)
            defer { monitor.end(key) }
            Gauge(label: MetricFamily.queueDepth.name).record(await queue.depth)
            do {
                let requeue = try await pass(key)
                Counter(label: MetricFamily.reconcilesTotal.name, dimensions: [("result", "ok")]).increment()
                Timer(label: MetricFamily.reconcileSeconds.name).recordInterval(since: started)
                await queue.done(key)
                if let requeue { await queue.add(key, after: requeue) }
            } catch {
                Counter(label: MetricFamily.reconcilesTotal.name, dimensions: [("result", "error")]).increment()
                Timer(label: MetricFamily.reconcileSeconds.name).recordInterval(since: started)
                let delay = await queue.failed(key)
                logger.warning("reconcile failed; retrying", metadata: ["key": "\(key)", "error": "\(error)", "retryIn": "\(delay)"])
                events.record(ControllerEvent(time: Date(), key: key, level: .warning, message: "\(error)"))
            }
        }
    }

    private func watch(_ changes: AsyncStream<EnvironmentKey>) async {
        for await key in changes {
            await queue.add(key)
        }
    }

    private func watchContainers(_ runtime: any ContainerRuntime) async {
        for await event in runtime.events(since: Date()) {
            if event.isResumed {
                // Events may have been lost while the stream was down: look at everything.
                for key in (try? await store.keys()) ?? [] { await queue.add(key) }
                continue
            }
            guard let key = ManagedLabels.key(event.labels) else { continue }
            await queue.add(key)
        }
    }

    /// Every key now and then every `resync` (±10 % jitter), from a `DispatchSourceTimer`.
    /// Caddy going away changes no file and no container, so nothing else would notice: check
    /// it on a short timer and, when it goes or comes back, look at every environment again
    /// (their Degraded condition says so; a failed site write is retried).
    private func watchProxy(_ router: any TrafficRouter, _ health: ProxyHealth) async {
        while !Task.isCancelled {
            if await health.check(router) {
                if let problem = health.current {
                    logger.error("the proxy is unavailable", metadata: ["error": "\(problem)"])
                } else {
                    logger.info("the proxy is available again")
                }
                for key in (try? await store.keys()) ?? [] { await queue.add(key) }
            }
            try? await Task.sleep(for: proxyCheck)
        }
    }

    /// Reads the access logs on a short timer (counters stay current); a bake hears of its
    /// slot's new requests within one period, not at its next requeue.
    private func followTraffic(_ traffic: any TrafficSource) async {
        while !Task.isCancelled {
            for key in await traffic.poll() { await queue.add(key) }
            try? await Task.sleep(for: trafficPoll)
        }
    }

    /// A sweep every `resync` (at least once a minute): orphans wait out their delay across sweeps.
    private func sweepForever(_ sweeper: OrphanSweeper) async {
        let interval = min(resync, .seconds(60))
        while !Task.isCancelled {
            do {
                try await sweeper.sweep()
            } catch {
                logger.warning("orphan sweep failed; trying again at the next one", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: max(interval, .seconds(1)))
        }
    }

    private func resyncForever() async {
        let (ticks, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "codeb.resync"))
        let interval = resync
        timer.setEventHandler {
            continuation.yield()
            // Jitter each period so several controllers do not resync in lockstep.
            let next = interval * Double.random(in: 0.9..<1.1)
            timer.schedule(deadline: .now() + .milliseconds(Int(next.inMilliseconds)), leeway: .milliseconds(100))
        }
        timer.schedule(deadline: .now(), leeway: .milliseconds(100))
        timer.resume()
        defer { timer.cancel() }
        for await _ in ticks {
            guard let keys = try? await store.keys() else { continue }
            for key in keys { await queue.add(key) }
        }
    }
}


/// Tracks passes in progress, so a watchdog can tell a busy loop from a wedged one.
public final class LoopMonitor: Sendable {
    private let running = Mutex<[EnvironmentKey: ContinuousClock.Instant]>([:])

    public init() {}

    func begin(_ key: EnvironmentKey, at instant: ContinuousClock.Instant) {
        running.withLock { $0[key] = instant }
    }

    func end(_ key: EnvironmentKey) {
        _ = running.withLock { $0.removeValue(forKey: key) }
    }

    /// How long the oldest pass in progress has been running (zero when idle).
    public func longestRunningPass() -> Duration {
        let oldest = running.withLock { $0.values.min() }
        return oldest.map { ContinuousClock.now - $0 } ?? .zero
    }
}
