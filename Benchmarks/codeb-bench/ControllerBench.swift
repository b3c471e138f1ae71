import Controller
import Drivers
import Foundation
import Spec
import TestSupport

/// The controller's figures: the planner alone, a no-op pass on a converged host, apply → served.
enum ControllerBench {
    /// One planner pass over 1,000 projects × 2 environments of synthetic, converged state.
    static func planner() {
        let inputs = syntheticInputs(projects: 1000)
        var passes: [Double] = [], floors: [Double] = []
        var actions = 0
        for _ in 0..<20 {
            let start = ContinuousClock.now
            for input in inputs { actions += Planner.plan(input).actions.count }
            passes.append(seconds(ContinuousClock.now - start))
            // Floor: touching the same inputs (slot records and containers) without planning.
            let floorStart = ContinuousClock.now
            var sink = 0
            for input in inputs { sink &+= input.state.blue.port &+ input.containers.count &+ (input.site?.revision ?? 0) }
            floors.append(seconds(ContinuousClock.now - floorStart))
            if sink == -1 { print(sink) }
        }
        let pass = Stats(passes), floor = Stats(floors)
        print("4. planner, one pass over 1,000 projects × 2 environments (converged, synthetic)")
        print("   " + pass.line("plan 2,000 environments"))
        print(String(format: "   per environment: median %.1f µs; actions planned: %d (a converged world plans nothing)", pass.median / 2000 * 1e6, actions))
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

    /// Three environments converged on the real host, then one more pass each, counted.
    static func noOpPass(_ caddy: CaddyInstance) async throws {
        let counters = Counters()
        let directory = NSTemporaryDirectory() + "codeb-bench-" + UUID().uuidString.prefix(8)
        let store = CountingStore(base: try FileStore(directory: directory), counters: counters)
        let runtime = CountingRuntime(base: DockerRuntime(), counters: counters)
        let router = CountingRouter(base: caddy.router(), counters: counters)
        let reconciler = Reconciler(store: store, runtime: runtime, router: router, probe: HTTPHealthProbe())
        let operations = StateOperations(store: store)
        var keys: [EnvironmentKey] = []
        for index in 0..<3 {
            let project = "bench\(index)" + UUID().uuidString.prefix(6).lowercased()
            let spec = try benchSpec(project: project, version: 1)
            try await operations.apply(spec, environment: .production, author: "bench")
            keys.append(EnvironmentKey(project: spec.project, environment: .production))
        }
        for key in keys {
            for _ in 0..<200 {
                let plan = try requirePlanValue(try await reconciler.plan(key))
                if plan.actions.isEmpty { break }
                _ = try await reconciler.reconcile(key)
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        _ = counters.reset()
        for key in keys { _ = try await reconciler.reconcile(key) }
        let counted = counters.reset()
        print("5. a no-op pass over a converged host (3 live environments, real dockerd and Caddy)")
        print("   per pass of all 3: Docker reads \(counted.dockerReads), Docker writes \(counted.dockerWrites), store writes \(counted.storeWrites), site applies \(counted.siteApplies), Caddy reloads \(counted.reloads)")
        print("")
        await removeContainers(of: keys)
    }

    /// apply → the new version served through Caddy, split into controller time (inside
    /// passes) and the rest (container start until healthy, and waiting between probes).
    static func applyToServed(_ caddy: CaddyInstance) async throws {
        let directory = NSTemporaryDirectory() + "codeb-bench-" + UUID().uuidString.prefix(8)
        let store = try FileStore(directory: directory)
        let counters = Counters()
        let reconciler = Reconciler(
            store: store, runtime: CountingRuntime(base: DockerRuntime(), counters: counters),
            router: CountingRouter(base: caddy.router(), counters: counters), probe: HTTPHealthProbe()
        )
        let operations = StateOperations(store: store)
        let project = "served" + UUID().uuidString.prefix(6).lowercased()
        let key = EnvironmentKey(project: try ResourceName(parsing: project), environment: .production)
        var totals: [Double] = [], controller: [Double] = [], rollbacks: [Double] = [], engine: [Double] = [], proxy: [Double] = []
        /// Runs passes until `version` answers through Caddy; returns (total, time inside passes).
        func untilServed(_ version: Int, since start: ContinuousClock.Instant) async throws -> (Double, Double) {
            var inside = Duration.zero
            while true {
                let passStart = ContinuousClock.now
                _ = try await reconciler.reconcile(key)
                inside += ContinuousClock.now - passStart
                if (try? await caddy.get("\(project).test"))?.body == "codeb-test web v\(version)\n" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return (seconds(ContinuousClock.now - start), seconds(inside))
        }
        for round in 0..<11 {
            // Every round is a new template (ROUND changes), so every switch deploys a new container.
            let version = round % 2 + 1
            _ = counters.reset()
            let start = ContinuousClock.now
            try await operations.apply(try benchSpec(project: project, version: version, round: round), environment: .production, author: "bench")
            let (total, inside) = try await untilServed(version, since: start)
            let counted = counters.reset()
            if round > 0 {  // round 0 is the first deploy, not a blue/green switch
                totals.append(total)
                engine.append(seconds(counted.dockerWriteTime))
                proxy.append(seconds(counted.siteApplyTime))
                controller.append(inside - seconds(counted.dockerWriteTime) - seconds(counted.siteApplyTime))
                // And straight back: a rollback promotes the warm grace slot.
                let back = ContinuousClock.now
                try await operations.rollback(key, author: "bench")
                rollbacks.append(try await untilServed(3 - version, since: back).0)
                try await operations.apply(try benchSpec(project: project, version: version, round: round), environment: .production, author: "bench")
                _ = try await untilServed(version, since: .now)
            }
        }
        let total = Stats(totals), inside = Stats(controller), rollback = Stats(rollbacks), docker = Stats(engine), caddyTime = Stats(proxy)
        print("6. apply → new version served through Caddy (blue/green switch to a new container; healthcheck every 100ms, threshold 1)")
        print("   " + total.line("apply → served"))
        print("   " + docker.line("container create + start + retiring the old grace slot (Docker calls)"))
        print("   " + caddyTime.line("site write + Caddy reload"))
        print("   " + inside.line("controller time (observe, plan, store, probes; Docker writes and Caddy excluded)"))
        print(String(format: "   ratio: apply → served / Docker calls = %.2f", total.median / docker.median))
        print("   " + rollback.line("rollback → previous version served (warm grace slot, no new container)"))
        print("")
        await removeContainers(of: [key])
    }

    static func benchSpec(project: String, version: Int, round: Int = 0) throws -> Spec {
        try SpecLoader.load("""
            project: \(project)
            team: bench
            image: codeb-test/web:\(version)
            port: 8080
            env: { ROUND: "\(round)" }
            resources: { memory: 64m, cpus: 0.5 }
            healthcheck: { interval: 100ms, timeout: 1s, healthyThreshold: 1, deadline: 30s }
            grace: 1h
            stopTimeout: 1s
            environments:
              production: { domains: [\(project).test] }

            """, file: "bench")
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
