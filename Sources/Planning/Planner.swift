import Foundation
import Spec
import State

/// The slot lifecycle of DESIGN.md as a pure function: values in, ordered actions out. No I/O,
/// no clock reads (the time is an input), no randomness, so the API can show a plan and tests
/// can table it. A converged world plans nothing.
public enum Planner {
    /// How soon a live environment whose certificate does not verify yet is looked at again.
    public static let certificateRecheck: Duration = .seconds(5)

    public static func plan(_ input: PlanInput) -> Plan {
        var pass = Pass(input)
        pass.run()
        return pass.result()
    }

    /// The environment runs on another node (another controller holds its lease, or its
    /// `nodes` no longer name this one): this host's containers and site file for it go; the
    /// store, which belongs to the holder, is not touched.
    public static func retire(_ input: PlanInput, reason: String) -> Plan {
        let timeout = input.state.desired.map { Duration.milliseconds($0.spec.stopTimeout.milliseconds) } ?? .seconds(30)
        var actions: [Action] = input.actionable.sorted { $0.name < $1.name }.map {
            .removeContainer(id: $0.id, name: $0.name, timeout: timeout, reason: reason)
        }
        if input.site != nil { actions.append(.removeSite) }
        return Plan(actions: actions, requeueAfter: nil)
    }
}

/// The working state of one planning pass.
struct Pass {
    let input: PlanInput
    let now: Date
    let key: EnvironmentKey
    /// Slot records as this pass decides they should become.
    var slots: [SlotName: SlotRecord]
    /// The container that stands for each slot after duplicates and strangers are set aside.
    var containers: [SlotName: ContainerInfo] = [:]
    /// The container of each backing service, by its name.
    var serviceContainers: [String: ContainerInfo] = [:]
    /// What a deleted environment gives back once every container is gone: its volumes
    /// (`delete --purge-data`) and its own network.
    var releases: [Action] = []
    /// Scheduled backups due, last in the plan.
    var backups: [Action] = []
    var removals: [Action] = []
    /// Removals of slots the proxy still routes to: after the site leaves them (and, for the
    /// slot that was serving, after a drain).
    var drained: [Action] = []
    var stops: [Action] = []
    var creates: [Action] = []
    var starts: [Action] = []
    var siteAction: Action?
    var intentRecorded = false
    var requeue: Duration?
    var forget = false
    /// Why the first slot is not deployed yet: a service that does not accept connections.
    var waitingForServices: String?

    init(_ input: PlanInput) {
        self.input = input
        self.now = input.now
        self.key = input.state.key
        self.slots = [.blue: input.state.blue, .green: input.state.green]
    }

    var state: EnvironmentState { input.state }

    // MARK: - The pass

    mutating func run() {
        if state.deleting {
            deleteEverything()
            return
        }
        sortContainers()
        guard let desired = state.desired else { return }
        dropContainersThatDoNotMatchTheirRecord()
        ensureServices(desired)
        // A service that stopped answering is looked at again until it does.
        if slot(in: .active) != nil, unhealthyService(desired) != nil { requeueWithin(.seconds(2)) }
        expireGrace()
        if !bake() { advanceLifecycle(toward: desired) }
        ensureContainers()
        planSite()
    }

    /// Delete: every container and the site file go, then the state itself.
    mutating func deleteEverything() {
        let timeout = state.desired.map { Duration.milliseconds($0.spec.stopTimeout.milliseconds) } ?? .seconds(30)
        for container in input.actionable.sorted(by: { $0.name < $1.name }) {
            removals.append(.removeContainer(id: container.id, name: container.name, timeout: timeout, reason: "environment deleted"))
        }
        if input.site != nil { siteAction = .removeSite }
        if state.purgeData == true {
            releases = input.volumes.map { .removeVolume(name: $0.name) }
        }
        // Each environment with services holds one of dockerd's few address pools: given back now.
        if state.revisions.contains(where: { !$0.spec.services.isEmpty }) {
            releases.append(.removeNetwork(name: ManagedLabels.network(of: state.team.value, key)))
        }
        forget = true
    }

    /// Assigns each container to its slot; strangers and duplicates are removed.
    mutating func sortContainers() {
        for container in input.actionable.sorted(by: { ($0.name, $0.id) < ($1.name, $1.id) }) {
            if let service = container.labels[ManagedLabels.service] {
                if container.name == serviceContainerName(service), serviceContainers[service] == nil {
                    serviceContainers[service] = container
                } else {
                    removals.append(.removeContainer(id: container.id, name: container.name, timeout: .seconds(10), reason: "not the container of the service \(service)"))
                }
                continue
            }
            guard let slot = container.labels[ManagedLabels.slot].flatMap(SlotName.init(rawValue:)),
                  container.name == containerName(slot)
            else {
                removals.append(.removeContainer(id: container.id, name: container.name, timeout: .seconds(10), reason: "not a slot of \(key)"))
                continue
            }
            if let kept = containers[slot] {
                // Two containers for one slot: keep the one that matches the record.
                let record = slots[slot]
                let keepNew = container.labels[ManagedLabels.specHash] == record?.hash && kept.labels[ManagedLabels.specHash] != record?.hash
                let drop = keepNew ? kept : container
                if keepNew { containers[slot] = container }
                removals.append(.removeContainer(id: drop.id, name: drop.name, timeout: .seconds(10), reason: "a second container for the \(slot) slot"))
            } else {
                containers[slot] = container
            }
        }
    }

    /// A container for an empty slot is an orphan; one whose template hash is not its slot's was
    /// changed by hand. Both go; the second is recreated from the record below.
    mutating func dropContainersThatDoNotMatchTheirRecord() {
        for slot in SlotName.allCases {
            guard let container = containers[slot], let record = slots[slot] else { continue }
            if record.state == .empty {
                removals.append(.removeContainer(id: container.id, name: container.name, timeout: stopTimeout(record), reason: "no revision is recorded for the \(slot) slot"))
                containers[slot] = nil
            } else if container.labels[ManagedLabels.specHash] != record.hash {
                removals.append(.removeContainer(id: container.id, name: container.name, timeout: stopTimeout(record), reason: "it does not run the \(slot) slot's recorded template"))
                containers[slot] = nil
            }
        }
    }

    /// The grace slot past its deadline is retired.
    mutating func expireGrace() {
        for slot in SlotName.allCases {
            guard var record = slots[slot], record.state == .grace, var until = record.graceUntil else { continue }
            // After the clock went backwards, grace ends no later than a full grace from now.
            let grace = Double((state.desired?.spec.grace.milliseconds) ?? 0) / 1000
            if until.timeIntervalSince(now) > grace, let desired = state.desired, desired.spec.grace.milliseconds > 0 {
                until = now.addingTimeInterval(grace)
                record.graceUntil = until
                slots[slot] = record
            }
            if now >= until {
                empty(slot, reason: "grace period over")
            } else {
                requeueWithin(until.timeIntervalSince(now))
            }
        }
    }

    mutating func advanceLifecycle(toward desired: Revision) {
        let hash = desired.hash
        let active = slot(in: .active)
        let grace = slot(in: .grace)

        if let active, slots[active]?.hash == hash {
            // Live. Anything rolling out for another template is stale now.
            let other = active.other
            if let record = slots[other], record.state == .deployed || record.state == .failed {
                empty(other, reason: "revision \(record.revision ?? 0) is no longer wanted")
            }
            return
        }
        if let grace, slots[grace]?.hash == hash {
            // Rollback or a reverted spec: the warm slot takes traffic at once.
            promote(grace, revision: desired)
            return
        }
        // The first slot starts once the services it will talk to accept connections.
        if active == nil, let waiting = servicesNotReady(desired) {
            waitingForServices = waiting
            requeueWithin(.milliseconds(250))
            return
        }
        let target = rolloutTarget(for: hash, active: active)
        guard var record = slots[target] else { return }
        if record.hash == hash, record.state == .failed, (record.revision ?? 0) >= desired.number {
            // Failed for this very revision: no retry loop; a new apply retries.
            if let container = containers[target], container.state == .running {
                stops.append(.stopContainer(id: container.id, name: container.name, timeout: stopTimeout(record), reason: "rollout failed"))
            }
            return
        }
        if record.hash == hash, record.state == .deployed {
            gate(target, record: &record, desired: desired)
            return
        }
        // Evict whatever the target holds and deploy the wanted revision into it — on a port no
        // container holds, so the evicted one drains in the background, off the rollout's path.
        let port = deployPort(target)
        if record.state != .empty {
            empty(target, reason: "making room for revision \(desired.number)", inBackground: port != record.port)
        }
        slots[target] = SlotRecord(
            slot: target, state: transition(.empty, .deploy), revision: desired.number, hash: hash, port: port,
            deployedAt: now
        )
        slots[target]?.unansweredProbes = 0
        slots[target]?.unhealthyAnswers = 0
        intentRecorded = true
        // The first probe right after the container starts (the pass that starts it ends then).
        requeueWithin(.milliseconds(10))
    }

    /// The health gate of a deployed slot: count probes, promote when healthy and allowed, fail
    /// past the deadline.
    mutating func gate(_ target: SlotName, record: inout SlotRecord, desired: Revision) {
        let check = desired.spec.template.healthcheck
        // The clock went backwards past the deploy: count the deadline from now, not from a
        // moment that has not come yet (which would stretch it by the size of the jump).
        if let deployedAt = record.deployedAt, deployedAt > now {
            record.deployedAt = now
            if let probed = record.lastProbeAt, probed > now { record.lastProbeAt = now }
            slots[target] = record
        }
        if let probe = input.probes[target] {
            record.healthyStreak = probe.healthy ? record.healthyStreak + 1 : 0
            if let unanswered = record.unansweredProbes { record.unansweredProbes = probe.status == nil ? unanswered + 1 : nil }
            if probe.status != nil, !probe.healthy { record.unhealthyAnswers = (record.unhealthyAnswers ?? 0) + 1 }
            record.lastProbe = probe.detail
            record.lastProbeAt = now
            slots[target] = record
        }
        // The engine restarts a container that exits; what it exited with is kept for the cause.
        if let container = containers[target], container.state != .running,
           container.exitCode.map({ $0 != record.lastExitCode }) ?? false || (container.oomKilled == true && record.oomKilled != true) {
            record.lastExitCode = container.exitCode ?? record.lastExitCode
            if container.oomKilled == true { record.oomKilled = true }
            slots[target] = record
        }
        let healthy = record.healthyStreak >= check.healthyThreshold
        let allowed = desired.spec.promote == .auto || state.promotionApproved == desired.number
        if healthy && allowed {
            promote(target, revision: desired)
            return
        }
        if healthy {
            return  // waiting for `codeb promote`; nothing to poll
        }
        let deadline = (record.deployedAt ?? now).addingTimeInterval(Double(check.deadline.milliseconds) / 1000)
        if now >= deadline {
            record.state = transition(record.state, .fail)
            let cause = Planner.failureCause(
                lastPassError: input.lastPassError, container: containers[target], record: record, deadline: check.deadline,
                memory: desired.spec.template.resources.memory
            )
            record.failure = cause.message
            record.failureReason = cause.reason
            slots[target] = record
            if let container = containers[target] {
                stops.append(.stopContainer(id: container.id, name: container.name, timeout: stopTimeout(record), reason: "rollout failed"))
            }
            return
        }
        // Look again when the next probe is due (probes are spaced by the interval), or at the deadline.
        let spacing = Planner.probeSpacing(record, check)
        let sinceProbe = record.lastProbeAt.map { max(0, now.timeIntervalSince($0)) } ?? spacing
        let nextProbe = max(0.005, spacing - (input.probes[target] == nil ? sinceProbe : 0))
        requeueWithin(min(nextProbe, max(0.001, deadline.timeIntervalSince(now))))
    }

    /// `slot` becomes active; the previous active slot becomes grace until now + grace.
    mutating func promote(_ slot: SlotName, revision: Revision) {
        if let previous = self.slot(in: .active), previous != slot, var record = slots[previous] {
            record.state = transition(record.state, .supersede)
            // A person's rollback during a bake ends it.
            record.bakeUntil = nil
            record.graceUntil = now.addingTimeInterval(Double(revision.spec.grace.milliseconds) / 1000)
            slots[previous] = record
            if revision.spec.grace.milliseconds == 0 {
                empty(previous, reason: "grace is 0s")
            } else {
                requeueWithin(revision.spec.grace)
            }
        }
        guard var record = slots[slot] else { return }
        // A new release is baked; the warm previous one, taken back, is known good.
        if record.state == .deployed, let bake = Planner.bakePolicy(state, revision: revision.number) {
            record.bakeUntil = now.addingTimeInterval(Double(bake.duration.milliseconds) / 1000)
            record.unhealthyAnswers = 0
            requeueWithin(bake.duration)
        }
        record.state = transition(record.state, .promote)
        record.promotedAt = now
        record.graceUntil = nil
        record.failure = nil
        record.failureReason = nil
        slots[slot] = record
    }

    /// Which slot a rollout of `hash` goes to: the one already holding it, else the one that is
    /// not active (preferring an empty one when nothing is active).
    func rolloutTarget(for hash: String, active: SlotName?) -> SlotName {
        if let holding = SlotName.allCases.first(where: { slots[$0]?.hash == hash && [.deployed, .failed].contains(slots[$0]?.state) }) {
            return holding
        }
        if let active { return active.other }
        if let free = SlotName.allCases.first(where: { slots[$0]?.state == .empty }) { return free }
        return SlotName.allCases.first { slots[$0]?.state != .grace } ?? .blue
    }

    /// The state `event` leads to from `state`, by the transition table. The planner asks only
    /// for transitions the table has (the tables and the simulation check it); in a release
    /// build an unexpected one keeps the state rather than stopping the controller.
    func transition(_ state: SlotState, _ event: SlotEvent) -> SlotState {
        guard let next = state.after(event) else {
            assertionFailure("no slot transition \(state) --\(event)-->")
            return state
        }
        return next
    }

    /// Empties a slot, stopping (with the drain timeout) and removing its container — in the
    /// background when `inBackground` (its successor does not need its port).
    mutating func empty(_ slot: SlotName, reason: String, inBackground: Bool = false) {
        guard let record = slots[slot] else { return }
        guard record.state != .empty else { return }
        _ = transition(record.state, .retire)
        if let container = containers[slot] {
            // A slot the proxy routes to leaves the site first; the one that was serving also
            // gets its stop timeout for requests in flight before it is stopped.
            let routed = input.site?.config?.routes.flatMap(\.upstreams).map(\.port) ?? []
            let serving = input.site?.config?.routes.first?.upstreams.first?.port == record.port
            let removal: Action = inBackground
                ? .retireContainer(
                    id: container.id, name: container.name, retiredName: "\(container.name)-retired-\(container.id.prefix(12))",
                    timeout: stopTimeout(record), drain: serving ? stopTimeout(record) : nil, reason: reason)
                : .removeContainer(id: container.id, name: container.name, timeout: stopTimeout(record), reason: reason)
            if routed.contains(record.port) {
                // A retirement drains in the background, after its rename.
                if serving, !inBackground { drained.append(.drain(name: container.name, wait: stopTimeout(record))) }
                drained.append(removal)
            } else {
                removals.append(removal)
            }
            containers[slot] = nil
        }
        slots[slot] = .empty(slot, port: state.ports.port(for: slot))
    }

    /// The port a deploy into `target` gets: its home port, the other slot's home port or the
    /// spare — the first no container and no other slot holds. When all are held (no spare),
    /// the target's own: its evicted container is removed before the new one is created.
    func deployPort(_ target: SlotName) -> Int {
        var held = Set(input.containers.flatMap { $0.ports.map(\.hostPort) })
        if let other = slots[target.other], other.state != .empty { held.insert(other.port) }
        if let record = slots[target], record.state != .empty, containers[target] != nil { held.insert(record.port) }
        let candidates = [state.ports.port(for: target), state.ports.port(for: target.other)] + (state.ports.spare.map { [$0] } ?? [])
        if let free = candidates.first(where: { !held.contains($0) }) { return free }
        guard let record = slots[target], record.state != .empty else { return state.ports.port(for: target) }
        return record.port
    }

    /// Every slot with a revision needs its container, running — except a failed one, kept
    /// stopped for its logs.
    mutating func ensureContainers() {
        for slot in SlotName.allCases {
            guard let record = slots[slot], record.state != .empty, record.state != .failed else { continue }
            guard let container = containers[slot] else {
                guard let revision = state.revision(record.revision) else { continue }
                creates.append(.createContainer(slot: slot, spec: containerSpec(slot, record: record, revision: revision)))
                continue
            }
            if container.state != .running && container.state != .restarting {
                starts.append(.startContainer(id: container.id, name: container.name))
            }
        }
    }

    // MARK: - Result

    func result() -> Plan {
        var actions = removals + stops
        let changed = SlotName.allCases.compactMap { slot -> SlotRecord? in
            slots[slot] != input.state[slot] ? slots[slot] : nil
        }
        if intentRecorded {
            // A deploy may reuse the port of an evicted grace slot: the site must stop naming
            // that port as a fallback before a new, unproven container can answer on it.
            if let siteAction { actions.append(siteAction) }
            // The evicted slot's container goes once the site has left it, before its name is
            // taken by the new container.
            actions += drained
            if !changed.isEmpty { actions.append(.recordSlots(changed)) }
        }
        actions += creates + starts
        if !intentRecorded, let siteAction { actions.append(siteAction) }
        if !intentRecorded, !changed.isEmpty {
            // After the site: a promotion counts only once traffic through the proxy reaches
            // the new slot (also when an earlier pass wrote the site and failed to confirm).
            if let check = promotionToConfirm(changed) { actions.append(check) }
            actions.append(.recordSlots(changed))
        }
        if !intentRecorded { actions += drained }
        if !forget, let status = statusIfChanged() {
            actions.append(.recordStatus(status))
        }
        actions += releases
        if forget { actions.append(.forget) }
        actions += backups
        var requeue = requeue
        // A certificate being issued is news no container or file change brings: look again soon.
        if slot(in: .active) != nil, input.certificates.contains(where: { !$0.verified }) {
            requeue = min(requeue ?? Planner.certificateRecheck, Planner.certificateRecheck)
        }
        return Plan(actions: actions, requeueAfter: forget ? nil : requeue)
    }

    /// The confirmation a recorded promotion waits for: the site as this pass leaves it, probed
    /// on the promoted revision's health path. Nil when no slot becomes active or no domain
    /// routes to it.
    func promotionToConfirm(_ changed: [SlotRecord]) -> Action? {
        guard let promoted = changed.first(where: { $0.state == .active && input.state[$0.slot].state != .active }) else { return nil }
        var site = desiredSite()
        guard let route = site.routes.first(where: { !$0.domains.isEmpty && $0.upstreams.first?.port == promoted.port }) else { return nil }
        site.routes = [route]
        let path = (state.revision(promoted.revision)?.spec ?? state.desired?.spec)?.template.healthcheck.path.value ?? "/"
        return .confirmTraffic(site, path: path)
    }

    // MARK: - Helpers

    func slot(in slotState: SlotState) -> SlotName? {
        SlotName.allCases.first { slots[$0]?.state == slotState }
    }

    func containerName(_ slot: SlotName) -> String { "\(key.stem)-\(slot)" }

    func stopTimeout(_ record: SlotRecord) -> Duration {
        let spec = state.revision(record.revision)?.spec ?? state.desired?.spec
        return .milliseconds(spec?.stopTimeout.milliseconds ?? 30_000)
    }

    mutating func requeueWithin(_ seconds: TimeInterval) {
        requeueWithin(.milliseconds(Int64((max(0, seconds) * 1000).rounded(.up))))
    }

    mutating func requeueWithin(_ duration: SpecDuration) {
        requeueWithin(duration.duration)
    }

    mutating func requeueWithin(_ duration: Duration) {
        requeue = min(requeue ?? duration, duration)
    }

    func containerSpec(_ slot: SlotName, record: SlotRecord, revision: Revision) -> ContainerSpec {
        let template = revision.spec.template
        var labels = [
            ManagedLabels.team: state.team.value,
            ManagedLabels.project: key.project.value,
            ManagedLabels.environment: key.environment.value,
            ManagedLabels.slot: slot.rawValue,
            ManagedLabels.specHash: revision.hash,
            ManagedLabels.revision: String(revision.number),
        ]
        if let node = input.node { labels[ManagedLabels.node] = node.value }
        if let store = input.storeID { labels[ManagedLabels.store] = store }
        return ContainerSpec(
            name: containerName(slot),
            image: template.image.description,
            command: template.command,
            env: Dictionary(uniqueKeysWithValues: template.env.map { ($0.key.value, $0.value) }),
            secrets: template.secrets.isEmpty ? nil : template.secretsBinding ?? SecretsBinding(),
            labels: labels,
            containerPort: template.port.value,
            hostPort: record.port,
            hostIP: input.publishAddress,
            memoryBytes: template.resources.memory.bytes,
            nanoCPUs: template.resources.cpus.nanoCPUs,
            pidsLimit: template.resources.pids,
            stopTimeoutSeconds: Int(revision.spec.stopTimeout.milliseconds / 1000),
            network: ManagedLabels.network(of: state.team.value),
            // Only a slot of a revision with services joins the environment's network.
            privateNetwork: revision.spec.services.isEmpty ? nil : PrivateNetwork(name: ManagedLabels.network(of: state.team.value, key))
        )
    }
}
