import Drivers
import Foundation
import Logging
import Metrics
import Spec

/// One reconcile pass for one environment: observe (containers by label, the site file, slot
/// records, health probes) → plan (pure) → execute.
public struct Reconciler: Sendable {
    public let store: any Store
    public let runtime: any ContainerRuntime
    public let router: any TrafficRouter
    public let probe: any HealthProbe
    public let time: any TimeSource
    public let previewDomain: Hostname?
    /// Where each executed action is reported, when set.
    public let events: EventFeed?
    let executor: Executor

    public init(
        store: any Store, runtime: any ContainerRuntime, router: any TrafficRouter, probe: any HealthProbe,
        time: any TimeSource = SystemTime(), previewDomain: Hostname? = nil, events: EventFeed? = nil,
        logger: Logger = Logger(label: "codeb.reconcile")
    ) {
        self.store = store
        self.runtime = runtime
        self.router = router
        self.probe = probe
        self.time = time
        self.previewDomain = previewDomain
        self.events = events
        self.executor = Executor(runtime: runtime, router: router, store: store, logger: logger)
    }

    /// Gathers what the planner needs for `key`; nil when the store does not know it.
    public func observe(_ key: EnvironmentKey) async throws -> PlanInput? {
        guard let state = try await store.load(key) else { return nil }
        let containers = try await runtime.listManaged().filter {
            $0.labels[ManagedLabels.project] == key.project.value && $0.labels[ManagedLabels.environment] == key.environment.value
        }
        let site = try await router.listSites().first { $0.key == key }
        var probes: [SlotName: ProbeResult] = [:]
        let now = time.now()
        for record in state.slots where record.state == .deployed {
            guard let revision = state.revision(record.revision),
                  record.healthyStreak < revision.spec.template.healthcheck.healthyThreshold,
                  // Passes triggered by other changes must not speed up the health gate.
                  record.lastProbeAt.map({ now.timeIntervalSince($0) * 1000 >= Double(revision.spec.template.healthcheck.interval.milliseconds) * 0.9 }) ?? true,
                  containers.contains(where: { $0.labels[ManagedLabels.slot] == record.slot.rawValue && $0.state == .running })
            else { continue }
            let check = revision.spec.template.healthcheck
            probes[record.slot] = await probe.probe(port: record.port, path: check.path.value, timeout: check.timeout.duration)
        }
        return PlanInput(state: state, containers: containers, site: site, probes: probes, now: now, previewDomain: previewDomain)
    }

    /// The plan for `key` as things stand, without doing it (what the API's dry run shows).
    public func plan(_ key: EnvironmentKey) async throws -> Plan? {
        try await observe(key).map(Planner.plan)
    }

    /// Switches and rollout outcomes, read off the slot records a plan wrote.
    static func count(_ plan: Plan) {
        for action in plan.actions {
            guard case .recordSlots(let records) = action else { continue }
            for record in records {
                switch record.state {
                case .active:
                    Counter(label: "codeb_switches_total").increment()
                    Counter(label: "codeb_rollouts_total", dimensions: [("outcome", "live")]).increment()
                case .failed:
                    Counter(label: "codeb_rollouts_total", dimensions: [("outcome", "failed")]).increment()
                default:
                    break
                }
            }
        }
    }

    /// One pass; returns when to look again (nil: only on a trigger).
    @discardableResult
    public func reconcile(_ key: EnvironmentKey) async throws -> Duration? {
        guard let input = try await observe(key) else { return nil }
        let plan = Planner.plan(input)
        try await executor.execute(plan, for: key, revision: input.state.generation)
        Self.count(plan)
        if let events {
            let now = time.now()
            for action in plan.actions {
                if case .recordStatus = action { continue }
                events.record(ControllerEvent(time: now, key: key, level: .info, message: action.description))
            }
        }
        return plan.requeueAfter
    }
}
