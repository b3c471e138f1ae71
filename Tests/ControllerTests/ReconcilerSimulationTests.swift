@testable import Controller
import Drivers
import Foundation
import Logging
import Spec
import State
import Testing
import TestSupport

/// The real reconciler — observe, pure plan, the real executor — over in-memory fakes
/// (`MemoryStore`, `FakeRuntime`, `FakeRouter`, `FakeProbe`, `ManualClock`), driven by random
/// applies, rollbacks, promotions, container crashes and removals, clock jumps and writes that
/// fail half-way through a plan. Over many seeded runs the properties of DESIGN.md must hold.
@Suite struct ReconcilerSimulationTests {
    static let key = Fixture.key

    static func spec(_ version: Int, manual: Bool) throws -> Spec {
        try SpecLoader.load("""
            project: shop
            team: acme
            image: codeb-test/web:\(version)
            port: 8080
            healthcheck: { interval: 1s, timeout: 1s, healthyThreshold: 2, deadline: 10s }
            promote: \(manual ? "manual" : "auto")
            grace: 30s
            stopTimeout: 5s
            environments:
              production: { domains: [shop.test] }

            """, file: "codeb.yaml")
    }

    static func version(_ image: String) -> Int? { image.split(separator: ":").last.flatMap { Int($0) } }

    /// What a run found wrong, and whether it converged.
    static func simulate(seed: UInt64) async throws -> (converged: Bool, failures: [String]) {
        var random = SplitMix64(seed: seed)
        let unhealthy: Set<Int> = random.next() % 3 == 0 ? [Int(random.next() % 4) + 1] : []
        let store = MemoryStore(), runtime = FakeRuntime(), router = FakeRouter(), clock = ManualClock(Fixture.t0)
        runtime.addStranger(id: "stranger", name: "shop-production-blue-old")
        let probe = FakeProbe { port in
            guard let image = runtime.running(onPort: port)?.info.image, let version = version(image) else { return false }
            return !unhealthy.contains(version)
        }
        // Quiet: thousands of injected failures would each log an error line.
        var logger = Logger(label: "codeb.simulation")
        logger.logLevel = .critical
        // Evicted containers retire when the run says: right after their pass, or passes later.
        let retirements = Retirements(.manual)
        let reconciler = Reconciler(store: store, runtime: runtime, router: router, probe: probe, time: clock, retirements: retirements, logger: logger)
        let operations = StateOperations(store: store, time: clock)
        var failures: [String] = []

        /// Every upstream the proxy holds runs a version that answers its health check.
        func servedVersionsAreHealthy() async throws -> Bool {
            guard let state = try await store.load(key), let site = router.sites[key] else { return true }
            for upstream in site.routes.flatMap(\.upstreams) {
                guard let record = state.slots.first(where: { $0.state != .empty && $0.port == upstream.port }),
                      let image = state.revision(record.revision)?.spec.template.image.description, let version = version(image)
                else { return false }
                if unhealthy.contains(version) { return false }
            }
            return true
        }

        try await operations.apply(try spec(1 + Int(random.next() % 4), manual: false), environment: .production, author: "sim")
        for _ in 0..<30 {
            switch random.next() % 14 {
            case 0, 1: _ = try? await operations.apply(try spec(1 + Int(random.next() % 4), manual: random.next() % 4 == 0), environment: .production, author: "sim")
            case 2: _ = try? await operations.rollback(key, author: "sim")
            case 3: _ = try? await operations.promote(key, author: "sim")
            case 4: if let id = runtime.containers.map(\.info.id).filter({ $0 != "stranger" }).sorted().first { runtime.set(id, state: .exited) }
            case 5: if let id = runtime.containers.map(\.info.id).filter({ $0 != "stranger" }).sorted().last { runtime.delete(id) }
            case 6: clock.advance(by: Double(random.next() % 20))
            case 7: clock.advance(by: random.next() % 2 == 0 ? 7200 : -3600)
            // A write failing half-way through a plan: the next container call, store update or
            // proxy change (reload or confirmation), as if the controller died there.
            case 8: runtime.failNextWrite()
            case 9: await store.failNextWrite()
            case 10: router.failNextWrite()
            case 11: await retirements.runPending()
            default: clock.advance(by: 0.5)
            }
            _ = try? await reconciler.reconcile(key)
            if try await !servedVersionsAreHealthy() { failures.append("an unhealthy version is served: \(router.sites[key].map(router.render) ?? "-")") }
        }

        // Quiet: no more events; time moves as the controller asks.
        // A store write failure injected last may still be pending: it may take the first promote.
        for _ in 0..<2 where (try? await operations.promote(key, author: "sim")) == nil {}
        var converged = false
        for _ in 0..<60 {
            // Settled: nothing to do, no evicted container still retiring, and the wanted
            // revision not rolling out (a deployed slot waits for its next probe, which an
            // empty plan does not show). A slot deployed for an older revision may stay when the
            // wanted one failed: traffic is untouched.
            let state = try await store.load(key)
            if try await reconciler.plan(key)?.isEmpty == true, await retirements.ids.isEmpty,
               state?.slots.contains(where: { $0.state == .deployed && $0.hash == state?.desired?.hash }) == false {
                converged = true
                break
            }
            let requeue = try? await reconciler.reconcile(key)
            if try await !servedVersionsAreHealthy() { failures.append("an unhealthy version is served while converging") }
            if random.next() % 2 == 0 { await retirements.runPending() }
            let seconds = requeue.flatMap { $0 }.map(\.inSeconds) ?? 1
            clock.advance(by: max(seconds, 0.01))
        }
        if converged {
            let (writes, reloads) = (runtime.writes, router.reloads)
            let plan = try await reconciler.plan(key)
            _ = try await reconciler.reconcile(key)
            if runtime.writes != writes || router.reloads != reloads { failures.append("a converged world changed something: \(plan?.actions ?? [])") }
            let managed = runtime.containers.filter(\.info.isManaged)
            if managed.count > 2 { failures.append("converged with \(managed.count) containers") }
            let state = try #require(try await store.load(key))
            let desired = try #require(state.desired)
            let live = state.slots.first { $0.state == .active }
            let failed = state.slots.contains { $0.state == .failed && $0.hash == desired.hash }
            if live?.hash != desired.hash, !failed, !unhealthy.contains(version(desired.spec.template.image.description) ?? -1) {
                failures.append("converged without the desired revision live: \(state.slots)")
            }
            if let live, router.sites[key]?.routes.first?.upstreams.first?.port != live.port {
                failures.append("the proxy does not send traffic to the live slot")
            }
        }
        if !runtime.touchedUnmanaged.isEmpty { failures.append("touched an unmanaged container") }
        if !converged, ProcessInfo.processInfo.environment["CODEB_SIM_DEBUG"] != nil {
            let state = try await store.load(key)
            print("seed \(seed) unhealthy \(unhealthy): slots \(state?.slots.map { "\($0.slot) \($0.state) r\($0.revision ?? -1) streak \($0.healthyStreak) \($0.lastProbe ?? "")" } ?? []) gen \(state?.generation ?? 0) approved \(state?.promotionApproved ?? -1) plan \(try await reconciler.plan(key)?.actions ?? []) containers \(runtime.containers.map { "\($0.info.name) \($0.info.state) \($0.info.image) \($0.info.labels[ManagedLabels.specHash]?.prefix(8) ?? "-")" }) revisions \(state?.revisions.map { "r\($0.number) \($0.spec.template.image) \($0.hash.prefix(8))" } ?? []) slot hashes \(state?.slots.map { $0.hash?.prefix(8) ?? "-" } ?? [])")
        }
        return (converged, failures)
    }

    /// `CODEB_SIM_RUNS` (default 3,000) seeded runs; `CODEB_SIM_SEED=N` replays one.
    @Test func propertiesHoldOnTheRealExecutorOverSeededRuns() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds = environment["CODEB_SIM_SEED"].flatMap(UInt64.init).map { $0...$0 }
            ?? UInt64(1)...UInt64(max(1, environment["CODEB_SIM_RUNS"].flatMap(Int.init) ?? 3000))
        var unconverged: [UInt64] = []
        for seed in seeds {
            let (converged, failures) = try await Self.simulate(seed: seed)
            if !converged { unconverged.append(seed) }
            #expect(failures.isEmpty, "seed \(seed): \(failures.prefix(3))")
            if !failures.isEmpty { break }
        }
        #expect(unconverged.isEmpty, "did not converge within 60 passes: seeds \(unconverged.prefix(10))")
    }
}
