import CMallocCounter
import Controller
import Drivers
import Planning
import Foundation
import Spec
import State
import TestSupport

/// The controller's figures: the planner alone, a no-op pass on a converged host, apply → served.
enum ControllerBench {
    /// One planner pass over 1,000 projects × 2 environments of synthetic, converged state.
    static func planner() {
        let inputs = syntheticInputs(projects: 1000)
        var passes: [Double] = [], floors: [Double] = [], allocations: [Double] = []
        var actions = 0
        for _ in 0..<20 {
            let allocated = codeb_allocations()
            let start = ContinuousClock.now
            for input in inputs { actions += Planner.plan(input).actions.count }
            passes.append(seconds(ContinuousClock.now - start))
            allocations.append(Double(codeb_allocations() - allocated))
            // Floor: touching the same inputs (slot records and containers) without planning.
            let floorStart = ContinuousClock.now
            var sink = 0
            for input in inputs { sink &+= input.state.blue.port &+ input.containers.count &+ (input.site?.revision ?? 0) }
            floors.append(seconds(ContinuousClock.now - floorStart))
            if sink == -1 { print(sink) }
        }
        let pass = Stats(passes), floor = Stats(floors), allocated = Stats(allocations)
        print("1. planner: one pass over 1,000 projects × 2 environments (converged, synthetic)")
        print("   " + pass.line("plan 2,000 environments"))
        print(String(format: "   per environment: median %.1f µs; actions planned: %d (a converged world plans nothing)", pass.median / 2000 * 1e6, actions))
        print("   heap allocations per pass: \(allocated.values("%.0f"))" + String(format: " (%.1f per environment)", allocated.median / 2000))
        print("   " + floor.line("floor: reading the same inputs"))
        print(String(format: "   ratio: plan / floor = %.0f", pass.median / max(floor.median, 1e-9)))
        print("")
    }

    static func syntheticInputs(projects: Int) -> [PlanInput] {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var inputs: [PlanInput] = []
        for index in 0..<projects {
            for environment in [EnvironmentName.production, .staging] {
                let key = EnvironmentKey(project: try! ResourceName(parsing: "p\(index)"), environment: environment)
                let spec = EnvironmentSpec(
                    name: environment,
                    template: SlotTemplate(image: try! ImageReference(parsing: "registry.example.com/p\(index):\(environment)"), port: try! Port(3000)),
                    domains: [try! Hostname(parsing: "\(environment).p\(index).example.com")]
                )
                var state = EnvironmentState(key: key, team: try! ResourceName(parsing: "acme"), ports: PortPair(blue: 4100 + 2 * (index % 200)))
                state.revisions = [Revision(number: 1, spec: spec, source: .apply, author: "bench", createdAt: now)]
                state.blue = SlotRecord(slot: .blue, state: .active, revision: 1, hash: spec.template.hash, port: state.ports.blue, healthyStreak: 2, deployedAt: now, promotedAt: now)
                let container = ContainerInfo(
                    id: "\(key.stem)-blue", name: "\(key.stem)-blue", image: spec.template.image.description,
                    labels: [ManagedLabels.managedBy: "codeb", ManagedLabels.slot: "blue", ManagedLabels.specHash: spec.template.hash],
                    state: .running
                )
                var input = PlanInput(state: state, containers: [container], now: now)
                // Feed back the status and site a first pass would write, so the input is converged.
                for action in Planner.plan(input).actions {
                    switch action {
                    case .recordStatus(let status): input.state.status = status
                    case .writeSite(let config):
                        input.site = ManagedSite(key: key, revision: 1, hash: spec.template.hash, path: "", content: "", config: config, intact: true)
                    default: break
                    }
                }
                inputs.append(input)
            }
        }
        return inputs
    }

    /// 100 environments converged on the real host (100 running containers), then no-op
    /// passes over all of them, timed and counted.
    static func noOpPass(_ caddy: CaddyInstance, environments: Int) async throws {
        let counters = Counters()
        let directory = NSTemporaryDirectory() + "codeb-bench-" + UUID().uuidString.prefix(8)
        let store = CountingStore(base: try FileStore(directory: directory), counters: counters)
        let docker = DockerRuntime()
        let runtime = cachedRuntime(docker, counters)
        let router = CountingRouter(base: caddy.router(), counters: counters)
        let reconciler = Reconciler(store: store, runtime: runtime, router: router, probe: HTTPHealthProbe())
        // Room for 1,000+ environments: three ports each.
        let operations = StateOperations(store: store, ports: PortRanges(production: 10000...19999, staging: 20000...20999, preview: 21000...21999))
        let prefix = "noop" + UUID().uuidString.prefix(4).lowercased()
        var keys: [EnvironmentKey] = []
        let startedAt = ContinuousClock.now
        for index in 0..<environments {
            let spec = try benchSpec(project: "\(prefix)-\(index)", version: 1 + index % 2, memory: "16m")
            try await operations.apply(spec, environment: .production, author: "bench")
            keys.append(EnvironmentKey(project: spec.project, environment: .production))
        }
        let environmentKeys = keys
        let applied = seconds(ContinuousClock.now - startedAt)
        let convergeTime = try await converge(environmentKeys, reconciler, counters)
        let failedPasses = counters.values.withLock { $0.failedPasses }
        let running = try await docker.listManaged().filter { ($0.labels[ManagedLabels.project] ?? "").hasPrefix(prefix) && $0.state == .running }.count
        _ = counters.reset()
        var passes: [Double] = [], floors: [Double] = [], cpu: [Double] = [], floorCPU: [Double] = []
        var counted = Counters.Values()
        let rounds = 10
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let cpuStart = processCPUSeconds()
            for key in keys { _ = try await reconciler.reconcile(key) }
            cpu.append(processCPUSeconds() - cpuStart)
            passes.append(seconds(ContinuousClock.now - start))
            let values = counters.reset()
            counted.dockerReads += values.dockerReads
            counted.containerLists += values.containerLists
            counted.dockerWrites += values.dockerWrites
            counted.storeWrites += values.storeWrites
            counted.siteApplies += values.siteApplies
            counted.reloads += values.reloads
            // Floor: what observing this host takes at least — one container list and one read of the sites.
            let floorStart = ContinuousClock.now
            let floorCPUStart = processCPUSeconds()
            _ = try await docker.listManaged()
            _ = try await caddy.router().listSites()
            floorCPU.append(processCPUSeconds() - floorCPUStart)
            floors.append(seconds(ContinuousClock.now - floorStart))
        }
        let pass = Stats(passes), floor = Stats(floors), passCPU = Stats(cpu), listCPU = Stats(floorCPU)
        print("2. a no-op pass over a converged host: \(environments) environments, \(running) running managed containers (real dockerd and Caddy)")
        print(String(format: "   converging them from nothing took %.1f s (4 workers, %d failed passes retried)", convergeTime, failedPasses))
        print("   " + pass.line("one pass over all \(environments) environments"))
        print(String(format: "   per pass over all: Docker API calls %d (reads %d of which container lists %d, writes %d), file writes %d (store %d, site %d), Caddy reloads %d",
                     (counted.dockerReads + counted.dockerWrites) / rounds, counted.dockerReads / rounds, counted.containerLists / rounds, counted.dockerWrites / rounds,
                     (counted.storeWrites + counted.siteApplies) / rounds, counted.storeWrites / rounds, counted.siteApplies / rounds, counted.reloads / rounds))
        print("   " + floor.line("floor: one container list + one read of the sites directory"))
        print(String(format: "   ratio: pass / floor = %.1f (%.2f ms per environment)", pass.median / floor.median, pass.median / Double(environments) * 1000))
        print("   " + passCPU.line("controller CPU (user + system) per pass over all"))
        print("   " + listCPU.line("floor: CPU of one container list + one read of the sites"))
        print(String(format: "   ratio: CPU per pass / floor = %.1f (%.1f µs per environment); RSS of this process %.0f MiB; applying %d environments into the store took %.1f s",
                     passCPU.median / max(listCPU.median, 1e-9), passCPU.median / Double(environments) * 1e6, residentMiB(), environments, applied))
        print("")
        try await killStorm(caddy, reconciler: reconciler, keys: environmentKeys, counters: counters)
        await removeContainers(of: environmentKeys)
    }

    /// Converges `keys` from nothing, four environments at a time, as the loop's workers would;
    /// the seconds it took.
    static func converge(_ keys: [EnvironmentKey], _ reconciler: Reconciler, _ counters: Counters) async throws -> Double {
        let converged = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for key in keys.enumerated().filter({ $0.offset % 4 == worker }).map(\.element) {
                        for _ in 0..<300 {
                            if try requirePlanValue(try await reconciler.plan(key)).actions.isEmpty { break }
                            // A failed pass is retried, as the loop would (and is counted).
                            do { _ = try await reconciler.reconcile(key) } catch { counters.add { $0.failedPasses += 1 } }
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return seconds(ContinuousClock.now - converged)
    }

    /// Runs the docker CLI (which sends a kill or start of many containers in parallel).
    static func dockerCLI(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(2)) }
        guard process.terminationStatus == 0 else { throw BenchFailure("docker \(arguments[0]) exited with \(process.terminationStatus)") }
    }

    /// Drift repair after up to 100 active containers die at once (a dockerd restart, an OOM
    /// wave): the real reconcile loop (4 workers) on the same converged host, Docker's events
    /// telling it; timed until every one runs again and answers through Caddy, with the Docker
    /// API calls that took.
    static func killStorm(_ caddy: CaddyInstance, reconciler: Reconciler, keys: [EnvironmentKey], counters: Counters) async throws {
        let docker = DockerRuntime()
        let victims = Array(keys.prefix(100))
        let projects = Set(victims.map(\.project.value))
        let loop = ReconcileLoop(reconciler: reconciler, workers: 4, resync: .seconds(300))
        let running = Task { await loop.run() }
        // Let the loop's first resync pass over the converged host before the storm.
        try await Task.sleep(for: .seconds(3))
        let active = try await docker.listManaged().filter { projects.contains($0.labels[ManagedLabels.project] ?? "") && $0.state == .running }
        _ = counters.reset()
        let start = ContinuousClock.now
        // At once: one `docker kill` of them all (the CLI sends the kills in parallel).
        try await dockerCLI(["kill"] + active.map(\.id))
        let killed = ContinuousClock.now
        let ids = Set(active.map(\.id))
        var restarted: ContinuousClock.Instant?
        while ContinuousClock.now - start < .seconds(300) {
            let up = try await docker.listManaged().filter { ids.contains($0.id) && $0.state == .running }.count
            if up == ids.count { restarted = .now; break }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let restarted else { throw BenchFailure("the killed containers were not all running again within 300 s") }
        for key in victims {
            while (try? await caddy.get("\(key.project).test"))?.status != 200 {
                guard ContinuousClock.now - start < .seconds(300) else { throw BenchFailure("\(key) was not served again within 300 s") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let served = ContinuousClock.now
        let calls = counters.reset()
        await loop.drain()
        await running.value
        // The floor, with the loop stopped: the same containers killed again and started by
        // the engine itself — one `docker start` of them all — until all answer through Caddy.
        try await dockerCLI(["kill"] + active.map(\.id))
        let floorStart = ContinuousClock.now
        try await dockerCLI(["start"] + active.map(\.id))
        for key in victims {
            while (try? await caddy.get("\(key.project).test"))?.status != 200 {
                guard ContinuousClock.now - floorStart < .seconds(300) else { throw BenchFailure("\(key) was not served after docker start within 300 s") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let floor = seconds(ContinuousClock.now - floorStart)
        print("2b. kill storm: \(active.count) active containers SIGKILLed at once on that host, repaired by the reconcile loop (4 workers, Docker events)")
        print(String(format: "   killing them took %.0f ms; all running again %.0f ms after the first kill; all answering through Caddy after %.0f ms",
                     seconds(killed - start) * 1000, seconds(restarted - start) * 1000, seconds(served - start) * 1000))
        print(String(format: "   floor: the engine alone (loop stopped), the same containers killed and then one `docker start` of them all → all answering through Caddy: %.0f ms; ratio repair (from the kill's end) / floor = %.2f",
                     floor * 1000, seconds(served - killed) / floor))
        print(String(format: "   Docker API calls by the controller meanwhile: %d (reads %d of which container lists %d, writes %d) = %.1f per killed container",
                     calls.dockerReads + calls.dockerWrites, calls.dockerReads, calls.containerLists, calls.dockerWrites,
                     Double(calls.dockerReads + calls.dockerWrites) / Double(max(active.count, 1))))
        print("")
    }

    /// As the daemon runs it: passes read the shared container cache; what reaches dockerd is
    /// counted. (Built here, outside the async function: Swift 6.3's release build crashed
    /// splitting `noOpPass` with it inline.)
    static func cachedRuntime(_ docker: DockerRuntime, _ counters: Counters) -> any ContainerRuntime {
        CachingRuntime(CountingRuntime(base: docker, counters: counters))
    }

    static func benchSpec(project: String, version: Int, round: Int = 0, memory: String = "64m", node: String? = nil, team: String = "bench") throws -> Spec {
        try SpecLoader.load(try benchSpecText(project: project, version: version, round: round, memory: memory, node: node, team: team), file: "bench")
    }

    static func benchSpecText(project: String, version: Int, round: Int = 0, memory: String = "64m", node: String? = nil, team: String = "bench") throws -> String {
        """
        project: \(project)
        team: \(team)
        image: codeb-test/web:\(version)
        port: 8080
        env: { ROUND: "\(round)" }
        resources: { memory: \(memory), cpus: 0.5 }
        healthcheck: { interval: 100ms, timeout: 1s, healthyThreshold: 1, deadline: 30s }
        grace: 1h
        stopTimeout: 1s
        environments:
          production: { domains: [\(project).test]\(node.map { ", nodes: [\($0)]" } ?? "") }

        """
    }

    static func removeContainers(of keys: [EnvironmentKey]) async {
        let docker = DockerRuntime()
        let projects = Set(keys.map(\.project.value))
        for container in (try? await docker.listManaged()) ?? [] where projects.contains(container.labels[ManagedLabels.project] ?? "") {
            try? await docker.remove(container.id)
        }
    }
}

struct MissingPlan: Error {}

func requirePlanValue(_ plan: Plan?) throws -> Plan {
    guard let plan else { throw MissingPlan() }
    return plan
}
