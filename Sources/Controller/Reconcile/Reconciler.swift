import Drivers
import Foundation
import Logging
import Metrics
import Planning
import Spec
import State

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
    /// Decides whether this controller acts on an environment (several controllers, one store).
    public let leases: any LeaseKeeper
    /// The proxy as last checked; the loop's proxy watch keeps it current.
    public let proxyHealth: ProxyHealth
    let executor: Executor
    /// The loopback address new containers publish on; the probe should ask the same one.
    public let publishAddress: String
    /// Each environment's last failed pass, for the planner to name as a cause.
    let passErrors = PassErrors()
    /// When each environment's baking slot was last probed (not stored: see `Planner.bakeProbeDue`).
    let bakeProbes = BakeProbes()
    /// The teams' deploy webhooks, when configured (`notify:`).
    public let notifier: WebhookNotifier?
    /// Users' requests per slot (what a bake judges); nil: not watched.
    public let traffic: (any TrafficSource)?
    /// Evicted containers draining in the background.
    public var retirements: Retirements { executor.retirements }

    /// Where backups of backing services are kept (`--backup-dir`); nil: none are.
    public let backups: FileBackups?

    public init(
        store: any Store, runtime: any ContainerRuntime, router: any TrafficRouter, probe: any HealthProbe,
        time: any TimeSource = SystemTime(), previewDomain: Hostname? = nil, events: EventFeed? = nil,
        leases: any LeaseKeeper = SoleController(node: .local), proxyHealth: ProxyHealth = ProxyHealth(),
        vault: SecretVault? = nil, retirements: Retirements = Retirements(), publishAddress: String = "127.0.0.1",
        notifier: WebhookNotifier? = nil, traffic: (any TrafficSource)? = nil, provenance: (any ImageProvenance)? = nil,
        backups: FileBackups? = nil, logger: Logger = Logger(label: "codeb.reconcile")
    ) {
        self.backups = backups
        self.notifier = notifier
        self.traffic = traffic
        self.publishAddress = publishAddress
        self.leases = leases
        self.proxyHealth = proxyHealth
        self.store = store
        self.runtime = runtime
        self.router = router
        self.probe = probe
        self.time = time
        self.previewDomain = previewDomain
        self.events = events
        self.executor = Executor(runtime: runtime, router: router, store: store, time: time, vault: vault, retirements: retirements, provenance: provenance, backups: backups, probe: probe, logger: logger)
    }

    /// Gathers what the planner needs for `key`; nil when the store does not know it.
    public func observe(_ key: EnvironmentKey) async throws -> PlanInput? {
        guard let state = try await store.load(key) else { return nil }
        return try await observe(state)
    }

    func observe(_ state: EnvironmentState) async throws -> PlanInput {
        let key = state.key
        let node = leases.node.value
        let storeID = try await store.identity()
        var containers = try await runtime.listManaged(project: key.project.value, environment: key.environment.value).filter {
            ManagedLabels.belongs($0.labels, to: node) && ManagedLabels.fromStore($0.labels, storeID)
        }
        // A rolling-out slot whose container stopped: the engine says why only when asked (a
        // list has no OOM flag). Only then, so a settled environment costs no engine call.
        let rolling = Set(state.slots.filter { $0.state == .deployed }.map(\.slot.rawValue))
        for (index, container) in containers.enumerated()
        where container.state != .running && container.oomKilled == nil && rolling.contains(container.labels[ManagedLabels.slot] ?? "") {
            guard let inspected = try await runtime.inspect(container.id), inspected.isManaged else { continue }
            // Restarted meanwhile: the exit the list saw is the news, not the fresh start.
            if inspected.state != .running { containers[index] = inspected } else { containers[index].oomKilled = inspected.oomKilled }
        }
        let site = try await router.site(key)
        var probes: [SlotName: ProbeResult] = [:]
        let now = time.now()
        var due = Planner.probesDue(state, containers: containers, now: now)
        if let baking = Planner.bakeProbeDue(state, lastProbe: bakeProbes[key], now: now) {
            due.append(baking)
            bakeProbes[key] = now
        }
        for record in due {
            guard let check = state.revision(record.revision)?.spec.template.healthcheck else { continue }
            probes[record.slot] = await probe.probe(port: record.port, path: check.path.value, timeout: check.timeout.duration)
        }
        let serviceProbes = await probeServices(state, containers)
        var lastBackups: [String: Date] = [:]
        if let backups {
            for service in state.desired?.spec.services ?? [] where service.backup != nil {
                let newest = backups.newest(team: state.team.value, project: key.project.value, environment: key.environment.value, service: service.name.value)
                if let newest { lastBackups[service.name.value] = newest.createdAt }
            }
        }
        let volumes = state.deleting && state.purgeData == true
            ? try await runtime.managedVolumes(project: key.project.value, environment: key.environment.value).filter { $0.labels[ManagedLabels.team] == state.team.value }
            : []
        // Only for a live environment while Caddy answers: a handshake costs little, and the
        // router keeps what it read for a while.
        let proxyProblem = proxyHealth.current
        let live = state.slots.contains { $0.state == .active }
        let certificates = live && proxyProblem == nil ? await router.certificates(
            for: Planner.hostnames(of: state, previewDomain: previewDomain), internalCA: state.desired?.spec.tls == .internal
        ) : []
        for certificate in certificates {
            guard let notAfter = certificate.notAfter else { continue }
            Gauge(label: MetricFamily.certificateExpiry.name, dimensions: [("domain", certificate.domain.value)]).record(notAfter.timeIntervalSince1970)
        }
        return PlanInput(
            state: state, containers: containers, site: site, probes: probes, now: now, previewDomain: previewDomain, node: leases.node,
            proxyProblem: proxyProblem, storeID: storeID, retiring: await executor.retirements.ids,
            lastPassError: passErrors[key], publishAddress: publishAddress, certificates: certificates,
            traffic: await observeTraffic(state, live: live, now: now), serviceProbes: serviceProbes, volumes: volumes,
            lastBackups: lastBackups
        )
    }

    /// A TCP connection to each running backing service on the environment's network (the
    /// host reaches a bridge's addresses; nothing is published).
    func probeServices(_ state: EnvironmentState, _ containers: [ContainerInfo]) async -> [String: ProbeResult] {
        guard let services = state.desired?.spec.services, !services.isEmpty else { return [:] }
        let network = ManagedLabels.network(of: state.team.value, state.key)
        var results: [String: ProbeResult] = [:]
        for service in services {
            let name = service.name.value
            guard let container = containers.first(where: { $0.labels[ManagedLabels.service] == name && $0.state == .running }) else { continue }
            guard let address = container.networks?[network], !address.isEmpty else {
                results[name] = ProbeResult(healthy: false, status: nil, detail: "it has no address on \(network) yet")
                continue
            }
            results[name] = await probe.probeTCP(host: address, port: service.port.value, timeout: .seconds(1))
        }
        return results
    }

    /// Keeps counting a live environment's traffic under its current ports, and returns what a
    /// baking slot answered since its switch.
    func observeTraffic(_ state: EnvironmentState, live: Bool, now: Date) async -> [SlotName: TrafficWindow.Summary] {
        guard let traffic, live else { return [:] }
        let (ports, since) = Planner.trafficSlots(state, now: now)
        let target = TrafficTarget(team: state.team.value, key: state.key, ports: ports, baking: !since.isEmpty)
        return await traffic.traffic(target, since: since, until: now)
    }

    /// The plan for `key` as things stand, without doing it (what the API's dry run shows).
    public func plan(_ key: EnvironmentKey) async throws -> Plan? {
        try await observe(key).map(Planner.plan)
    }

    /// Switches and rollout outcomes, read off the slot records a plan wrote, and how long each
    /// rollout took from its revision's apply (`codeb_rollout_seconds`).
    static func count(_ plan: Plan, _ input: PlanInput) {
        for change in plan.slotChanges(from: input.state) {
            let outcome: String
            switch change.after.state {
            case .active:
                Counter(label: MetricFamily.switchesTotal.name).increment()
                outcome = "live"
            case .failed:
                outcome = "failed"
            default:
                continue
            }
            Counter(label: MetricFamily.rolloutsTotal.name, dimensions: [("outcome", outcome)]).increment()
            if let applied = input.state.revision(change.after.revision)?.createdAt {
                Timer(label: MetricFamily.rolloutSeconds.name, dimensions: [("outcome", outcome)])
                    .recordSeconds(max(0, input.now.timeIntervalSince(applied)))
            }
        }
    }

    /// One pass; returns when to look again (nil: only on a trigger).
    @discardableResult
    public func reconcile(_ key: EnvironmentKey) async throws -> Duration? {
        guard let state = try await store.load(key) else { return nil }
        // Deletion is finished by whichever controller holds the lease, wherever it ran.
        let placedHere = state.deleting || (state.desired?.spec.runs(on: leases.node) ?? true)
        var elsewhere: String?
        if placedHere {
            if case .heldElsewhere(let node) = try await leases.acquire(key) { elsewhere = "runs on \(node)" }
        } else {
            try await leases.release(key)
            elsewhere = "not placed on \(leases.node)"
        }
        if let reason = elsewhere {
            let input = try await observe(state)
            let plan = Planner.retire(input, reason: reason)
            try await executor.execute(plan, for: key, revision: state.generation)
            record(plan, key)
            // Look again within the lease's lifetime: the holder may die.
            return placedHere ? leases.leaseTTL / 2 : nil
        }
        let input = try await observe(state)
        let plan = Planner.plan(input)
        do {
            try await executor.execute(plan, for: key, revision: input.state.generation)
            passErrors.succeeded(key)
        } catch {
            passErrors.failed(key, error)
            throw error
        }
        Self.count(plan, input)
        let notices = DeployNotice.notices(plan, input)
        notifier?.post(notices)
        record(plan, key, notices: notices, input: input)
        if plan.actions.contains(.forget) {
            try await leases.release(key)
            await traffic?.forget(key)
        }
        return plan.requeueAfter
    }

    /// The plan's actions as raw events, then what they meant in the user's words: the notices'
    /// sentences, a bake's start and end, and a first healthy probe.
    private func record(_ plan: Plan, _ key: EnvironmentKey, notices: [DeployNotice] = [], input: PlanInput? = nil) {
        guard let events else { return }
        let now = time.now()
        for action in plan.actions {
            if case .recordStatus = action { continue }
            events.record(ControllerEvent(time: now, key: key, level: .info, message: action.description, raw: true))
        }
        var sentences: [(String, Bool)] = []
        let changes = input.map { plan.slotChanges(from: $0.state) } ?? []
        if let input {
            // Healthy before live: a slot promoted by the probe that made it healthy says both.
            for change in changes {
                let (before, after) = (change.before, change.after)
                if before?.state == .deployed, after.state == .deployed || after.state == .active,
                   let needed = input.state.revision(after.revision)?.spec.template.healthcheck.healthyThreshold,
                   after.healthyStreak >= needed, (before?.healthyStreak ?? 0) < needed {
                    sentences.append(("revision \(after.revision ?? 0) healthy on \(after.slot)", false))
                }
            }
        }
        sentences += notices.map { ($0.sentence, $0.event == .rolloutFailed || $0.event == .rolloutReverted) }
        if let input {
            for change in changes {
                let (before, after) = (change.before, change.after)
                let revision = "revision \(after.revision ?? 0)"
                if after.state == .active, let until = after.bakeUntil, before?.bakeUntil == nil,
                   let bake = Planner.bakePolicy(input.state, revision: after.revision) {
                    sentences.append(("\(revision) baking on \(after.slot) for \(bake.duration) (until \(until.clockText))", false))
                }
                if after.state == .active, before?.state == .active, after.bakeUntil == nil, before?.bakeUntil != nil {
                    sentences.append(("\(revision) baked on \(after.slot)" + (after.failureReason == .bakeFailed ? ", over a bar: \(after.failure ?? "")" : ": no bar crossed"),
                                      after.failureReason == .bakeFailed))
                }
            }
        }
        for (sentence, warning) in sentences {
            events.record(ControllerEvent(time: now, key: key, level: warning ? .warning : .info, message: sentence))
        }
    }
}
