import AsyncHTTPClient
import Controller
import Drivers
import Foundation
import Hummingbird
import NIOCore
import Spec
import State
import TestSupport

/// Figures 3–6 against a running controller: the real HTTP API and reconcile loop in this
/// process (a `ControllerDaemon` on the file store, as `codeb controller` runs), the real dockerd, a private Caddy. Each is set beside a floor measured
/// earlier in the same run.
struct LiveBench {
    /// Floors measured directly in the same run.
    struct Floors {
        /// Engine create + start → the container's first HTTP 200.
        var start200: Stats
        /// One Caddy reload with a changed site.
        var reload: Stats
    }

    let caddy: CaddyInstance
    let store: any Store
    let server: String
    let token: String
    let client: HTTPClient
    let project: String
    var key: EnvironmentKey { EnvironmentKey(project: try! ResourceName(parsing: project), environment: .production) }

    /// Figures 3–6 (`full`), or only figure 6, with the controller switching as `switching` says.
    static func run(_ caddy: CaddyInstance, floors: Floors, switching: SwitchSetting, full: Bool, sharedObservation: Bool = true, switchUnderLoad: Bool = true) async throws {
        let server = try await BenchAPIServer.start(caddy: caddy, switching: switching, sharedObservation: sharedObservation)
        let project = "live" + UUID().uuidString.prefix(6).lowercased()
        let bench = LiveBench(caddy: caddy, store: server.store, server: server.base, token: server.key, client: server.client, project: project)
        do {
            if full {
                try await bench.applyToServed(floors)
                try await bench.rollback(floors)
                try await bench.driftRepair(floors)
            } else {
                // Two versions, so a warm grace slot is there to switch to.
                for (round, version) in [(0, 1), (1, 2)] {
                    try await bench.apply(version, round: round)
                    try await bench.served(version)
                }
            }
            if switchUnderLoad { try await bench.switchUnderLoad(switching) }
        } catch {
            await server.stop()
            await ControllerBench.removeContainers(of: [bench.key])
            throw error
        }
        // Stop the daemon first, or its loop repairs what is removed next.
        await server.stop()
        await ControllerBench.removeContainers(of: [bench.key])
    }

    func post(_ path: String, yaml: String? = nil) async throws -> UInt {
        var request = HTTPClientRequest(url: server + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let yaml {
            request.headers.add(name: "Content-Type", value: "application/yaml")
            request.body = .bytes(ByteBuffer(string: yaml))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code < 300 else { throw BenchFailure("POST \(path) answered HTTP \(response.status.code)") }
        return response.status.code
    }

    func apply(_ version: Int, round: Int) async throws {
        _ = try await post("/v1/apply", yaml: try ControllerBench.benchSpecText(project: project, version: version, round: round))
    }

    func rollbackOnce() async throws {
        _ = try await post("/v1/projects/\(project)/environments/production/rollback")
    }

    /// Polls Caddy (a new connection each time, 1 ms apart) until `version` answers. With a
    /// timeline, polls every 20 ms until the new container has started (nothing can be served
    /// before), so a thousand requests a second do not take the CPU the engine's start needs.
    func served(_ version: Int, within limit: Duration = .seconds(60), after timeline: (RolloutTimeline, Double)? = nil) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let (timeline, since) = timeline, !timeline.started(since: since) {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            if (try? await caddy.get("\(project).test"))?.body == "codeb-test web v\(version)\n" { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw BenchFailure("version \(version) of \(project) was not served within \(limit)")
    }

    /// Waits until the store records the wanted revision live: traffic reaches a new slot
    /// (what `served` sees) a moment before the switch is recorded.
    func recorded(within limit: Duration = .seconds(60)) async throws -> EnvironmentState {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let state = try await store.load(key), let desired = state.desired,
               state.slots.contains(where: { $0.state == .active && $0.hash == desired.hash }) {
                return state
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchFailure("the switch of \(project) was not recorded within \(limit)")
    }

    /// 3. POST /v1/apply of a new template → its first response through Caddy.
    func applyToServed(_ floors: Floors) async throws {
        try await apply(1, round: 0)
        try await served(1)
        var totals: [Double] = []
        var first: [Double] = [], eviction: [Double] = [], createToStart: [Double] = [], startToServed: [Double] = []
        let timeline = RolloutTimeline(project: project)
        defer { timeline.stop() }
        for round in 1...10 {
            let version = round % 2 + 1
            let posted = Date().timeIntervalSince1970
            let start = ContinuousClock.now
            try await apply(version, round: round)
            try await served(version, after: (timeline, posted))
            totals.append(seconds(ContinuousClock.now - start))
            let marks = await timeline.marks(from: posted, to: Date().timeIntervalSince1970)
            if ProcessInfo.processInfo.environment["CODEB_BENCH_MARKS"] != nil {
                print(marks.map { String(format: "%@ %@ +%.0f", $0.action, $0.name, ($0.at - posted) * 1000) }.joined(separator: ", "))
            }
            let phases = RolloutTimeline.phases(marks, posted: posted, served: Date().timeIntervalSince1970)
            phases.untilFirstEngineAction.map { first.append($0) }
            phases.eviction.map { eviction.append($0) }
            phases.createToStart.map { createToStart.append($0) }
            phases.startToServed.map { startToServed.append($0) }
        }
        let total = Stats(totals)
        let floor = floors.start200.median + floors.reload.median
        print("3. apply → served: POST /v1/apply of a new template → its first response through Caddy (running controller, health every 100ms, threshold 1)")
        print("   " + total.line("apply → served"))
        print(String(format: "   floor: container create+start → first 200 (median %.2f ms) + one Caddy reload (median %.2f ms) = %.2f ms",
                     floors.start200.median * 1000, floors.reload.median * 1000, floor * 1000))
        print(String(format: "   controller overhead = total − floor = %.2f ms (median); ratio total / floor = %.2f",
                     (total.median - floor) * 1000, total.median / floor))
        print("   breakdown (Docker's event timestamps; \"served\" read a moment after it happened):")
        print("     " + Stats(first).line("apply posted → first engine action (evicted container's stop, or the create)"))
        print("     " + Stats(eviction).line("evicted container: first action → destroyed (begun once the deploying pass is over; seen within the window)"))
        print("     " + Stats(createToStart).line("new container: create → start"))
        print("     " + Stats(startToServed).line("start → served through Caddy (first probe, promotion, route switch)"))
        print("")
    }

    /// 4. POST …/rollback → the previous version's first response (its slot is warm).
    func rollback(_ floors: Floors) async throws {
        _ = try await recorded()  // round 10's switch recorded: version 2 is the grace slot
        var version = 1  // round 10 left version 1 live (10 % 2 + 1), version 2 warm
        var times: [Double] = []
        for _ in 0..<10 {
            let back = 3 - version
            let start = ContinuousClock.now
            try await rollbackOnce()
            try await served(back)
            times.append(seconds(ContinuousClock.now - start))
            version = back
        }
        let rollback = Stats(times)
        print("4. warm rollback: POST …/rollback → first response from the previous version through Caddy")
        print("   " + rollback.line("rollback → served"))
        print("   " + floors.reload.line("floor: one Caddy reload"))
        print(String(format: "   ratio rollback / floor = %.2f", rollback.median / floors.reload.median))
        print("")
    }

    /// 5. `docker rm -f` of the active container → served again by a new one.
    func driftRepair(_ floors: Floors) async throws {
        let docker = DockerRuntime()
        var times: [Double] = []
        for _ in 0..<10 {
            let state = try await recorded()
            guard let active = state.slots.first(where: { $0.state == .active }) else { throw BenchFailure("no active slot") }
            let version = active.revision.flatMap { state.revision($0) }?.spec.template.image.description.hasSuffix(":2") == true ? 2 : 1
            let name = "\(key.stem)-\(active.slot)"
            guard let container = try await docker.inspect(name) else { throw BenchFailure("no container \(name)") }
            let start = ContinuousClock.now
            try await docker.remove(container.id)
            // Caddy holds requests up to lb_try_duration while no upstream answers; poll until the
            // new container serves.
            try await served(version)
            times.append(seconds(ContinuousClock.now - start))
            guard let replacement = try await docker.inspect(name), replacement.id != container.id else {
                throw BenchFailure("served again, but not by a new container")
            }
            try await Task.sleep(for: .milliseconds(300))  // let the repair pass record its status
        }
        let repair = Stats(times)
        print("5. drift repair: docker rm -f of the active container → served again by a new container (Docker event → pass)")
        print("   " + repair.line("removed → served"))
        print("   " + floors.start200.line("floor: container create+start → first 200"))
        print(String(format: "   ratio repair / floor = %.2f", repair.median / floors.start200.median))
        print("")
    }

    /// 6. Failed requests during 50 promote/rollback switches, new connections and keep-alive,
    /// next to the same load during 50 bare reloads of an unchanged site.
    func switchUnderLoad(_ switching: SwitchSetting) async throws {
        let rate = Double(ProcessInfo.processInfo.environment["CODEB_BENCH_RATE"] ?? "") ?? 600
        let switches = 50
        print("6\(switching == .file ? "a" : "b"). switch under load, switching by \(switching == .file ? "route file" : "Caddy reload") (--switch \(switching.rawValue), Caddy \(caddy.executable)): GETs through Caddy at a target \(Int(rate)) req/s during \(switches) switches (rollback to the warm slot)")
        let state = try await recorded()
        guard let active = state.slots.first(where: { $0.state == .active }),
              let image = active.revision.flatMap({ state.revision($0) })?.spec.template.image.description else { throw BenchFailure("no active slot") }
        var version = image.hasSuffix(":2") ? 2 : 1
        let router = caddy.router()
        var dummyRevision = 1
        for keepAlive in [false, true] {
            let mode = keepAlive ? "keep-alive connections" : "a new connection per request"
            // Switches through the controller.
            var generator = LoadGenerator(port: caddy.httpPort, host: "\(project).test:\(caddy.httpPort)", rate: rate, keepAlive: keepAlive)
            generator.start()
            try await Task.sleep(for: .seconds(1))
            _ = generator.reset()
            var started = ContinuousClock.now
            let loadsBefore = caddy.loadsCompleted()
            for _ in 0..<switches {
                let back = 3 - version
                try await rollbackOnce()
                try await served(back)
                version = back
                try await Task.sleep(for: .milliseconds(100))
            }
            let window = seconds(ContinuousClock.now - started)
            let during = generator.stop()
            let reloads = caddy.loadsCompleted() - loadsBefore
            // The floor: Caddy reloads that leave this site unchanged (another site changes), same load.
            generator = LoadGenerator(port: caddy.httpPort, host: "\(project).test:\(caddy.httpPort)", rate: rate, keepAlive: keepAlive)
            generator.start()
            try await Task.sleep(for: .seconds(1))
            _ = generator.reset()
            started = ContinuousClock.now
            for _ in 0..<switches {
                dummyRevision += 1
                // Another site's upstream changes, so Caddy's config really changes and it reloads.
                _ = try await router.apply([.write(try Bench.site("unchanged-floor", upstreams: [9 + dummyRevision % 2], revision: dummyRevision))])
                try await Task.sleep(for: .milliseconds(100))
            }
            let floorWindow = seconds(ContinuousClock.now - started)
            let floor = generator.stop()
            print("   \(mode):")
            print(String(format: "     switches: %d requests in %.1f s (%.0f req/s), %d failed = %.2f failed per switch (%.3f%%)%@",
                         during.sent, window, Double(during.sent) / window, during.failed, Double(during.failed) / Double(switches),
                         100 * Double(during.failed) / Double(max(during.sent, 1)), keepAlive ? ", \(during.retried) idle connections closed and retried" : ""))
            if !during.failures.isEmpty { print("     failures: \(during.failures.sorted { $0.key < $1.key })") }
            print(String(format: "     Caddy reloads during the switches: %d = %.2f per switch", reloads, Double(reloads) / Double(switches)))
            print(String(format: "     floor, %d bare Caddy reloads leaving this site unchanged: %d requests in %.1f s, %d failed = %.2f failed per reload%@",
                         switches, floor.sent, floorWindow, floor.failed, Double(floor.failed) / Double(switches),
                         keepAlive ? ", \(floor.retried) idle connections closed and retried" : ""))
            if !floor.failures.isEmpty { print("     floor failures: \(floor.failures.sorted { $0.key < $1.key })") }
        }
        print("")
    }
}
