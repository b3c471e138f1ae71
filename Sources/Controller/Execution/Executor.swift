import Drivers
import Foundation
import Logging
import Planning
import Spec
import State
import Support

/// Carries out a plan through the drivers, in order, stopping at the first failure (the next
/// pass plans again from what is then true). Every action is idempotent: running a plan twice,
/// or after a crash half-way, converges on the same world.
public struct Executor: Sendable {
    public let runtime: any ContainerRuntime
    public let router: any TrafficRouter
    public let store: any Store
    /// The clock a drain waits on.
    public let time: any TimeSource
    /// Opens secrets and registry logins; nil when the controller has no secret key.
    public let vault: SecretVault?
    /// Evicted containers draining in the background.
    public let retirements: Retirements
    /// Who pulled which local image with a login; nil trusts the image cache (tests without a
    /// registry). The daemon always has one.
    public let provenance: (any ImageProvenance)?
    let logger: Logger

    /// Where backups are (`--backup-dir`); nil: none are kept.
    public let backups: FileBackups?
    /// Asks a replaced service whether it accepts connections.
    let probe: (any HealthProbe)?

    public init(
        runtime: any ContainerRuntime, router: any TrafficRouter, store: any Store, time: any TimeSource = SystemTime(),
        vault: SecretVault? = nil, retirements: Retirements = Retirements(), provenance: (any ImageProvenance)? = nil,
        backups: FileBackups? = nil, probe: (any HealthProbe)? = nil, logger: Logger = Logger(label: "codeb.executor")
    ) {
        self.probe = probe
        self.backups = backups
        self.provenance = provenance
        self.vault = vault
        self.retirements = retirements
        self.runtime = runtime
        self.router = router
        self.store = store
        self.time = time
        self.logger = logger
    }

    /// Runs `plan`; `revision` (the wanted one) goes on every log line about the rollout.
    public func execute(_ plan: Plan, for key: EnvironmentKey, revision: Int? = nil) async throws {
        // Containers this plan evicts are torn down once it is over, off its critical path.
        let finished = StopSignal()
        defer { finished.fire() }
        // What this plan's confirmation met, said by the status it records (computed before it).
        var certificatePending: String?
        for action in plan.actions {
            var metadata: Logger.Metadata = ["project": "\(key.project)", "environment": "\(key.environment)", "action": "\(action)"]
            if let revision { metadata["revision"] = "\(revision)" }
            do {
                CrashPoint.check(action.crashSteps.before)
                switch action {
                case .confirmTraffic(let site, let path):
                    if case .certificatePending(_, let detail) = try await confirm(site, path: path, key) {
                        certificatePending = detail
                        metadata["certificate"] = "pending"
                    }
                case .recordStatus(let planned) where certificatePending != nil:
                    var status = planned
                    status.setCertificatePending(certificatePending!, now: time.now())
                    let recorded = status
                    try await store.update(key) { state, _ in state?.status = recorded }
                default:
                    try await perform(action, key, finished: finished)
                }
                CrashPoint.check(action.crashSteps.after)
                if case .recordStatus = action {} else { logger.info("done", metadata: metadata) }
            } catch {
                metadata["error"] = "\(error)"
                logger.error("action failed", metadata: metadata)
                throw ExecutionError(key: key, action: action.description, underlying: "\(error)")
            }
        }
    }

    private func perform(_ action: Action, _ key: EnvironmentKey, finished: StopSignal) async throws {
        switch action {
        case .recordSlots(let records):
            try await store.update(key) { state, _ in
                guard state != nil else { throw StoreError(.notFound, "\(key) disappeared") }
                for record in records {
                    state?[record.slot] = record
                    // A revert is kept on the revision too: the history says it after the slot is reused.
                    if record.failureReason == .reverted, let index = state?.revisions.firstIndex(where: { $0.number == record.revision }) {
                        state?.revisions[index].reverted = record.failure
                    }
                }
            }
        case .recordStatus(let status):
            try await store.update(key) { state, _ in state?.status = status }
        case .createContainer(let slot, let spec):
            try await create(spec, key, slot: slot)
        case .createService(_, let spec):
            try await create(spec, key, slot: nil)
        case .removeVolume(let name):
            try await runtime.removeVolume(name)
        case .removeNetwork(let name):
            try await runtime.removeNetwork(name)
        case .replaceService(let service, let oldID, let spec, let port, let stopTimeout, let deadline):
            try await replace(service, oldID: oldID, spec: spec, port: port, stopTimeout: stopTimeout, deadline: deadline, key)
        case .backupService(let service):
            guard let backups = serviceBackups else {
                throw ServiceBackups.Failure(description: "\(service) is to be backed up, and this controller keeps no backups (--backup-dir, --secret-key-file)")
            }
            guard let state = try await store.load(key) else { return }
            _ = try await backups.create(state, service: service, trigger: "schedule")
        case .restoreService(let service, let backup, let spec, let target, let timeout):
            try await restore(service, backup: backup, spec: spec, target: target, stopTimeout: timeout, port: spec.containerPort, key)
        case .startContainer(let id, _):
            try await startOrDiscard(id)
        case .stopContainer(let id, _, let timeout, _):
            try await runtime.stop(id, timeout: timeout)
        case .removeContainer(let id, _, let timeout, _):
            // Stop first with the drain timeout, so in-flight requests finish.
            do {
                try await runtime.stop(id, timeout: timeout)
            } catch let error as RuntimeError where error.kind == .notFound {
                return
            }
            CrashPoint.check(.stoppedNotRemoved)
            try await runtime.remove(id)
        case .retireContainer(let id, let name, let retiredName, let timeout, let drain, _):
            // The name goes first (the successor is created under it), then the rest off the path.
            do {
                try await runtime.rename(id, to: retiredName)
            } catch let error as RuntimeError where error.kind == .notFound {
                return
            }
            await retirements.begin(id, name: name, timeout: timeout, drain: drain, after: finished, runtime: runtime, time: time, logger: logger)
        case .drain(_, let wait):
            try await time.sleep(for: wait)
        case .writeSite(let site):
            _ = try await router.apply([.write(site)])
        case .removeSite:
            _ = try await router.apply([.remove(key)])
        case .confirmTraffic(let site, let path):
            _ = try await confirm(site, path: path, key)
        case .forget:
            try await store.update(key) { state, _ in state = nil }
        }
    }

    /// Confirms a promotion; while it waits for a certificate, the slot being promoted says so
    /// (`codeb apply --wait` prints it), and says nothing once the wait is over.
    private func confirm(_ site: SiteConfig, path: String, _ key: EnvironmentKey) async throws -> ConfirmOutcome {
        let port = site.routes.first?.upstreams.first?.port
        let store = store
        return try await router.confirm(site, path: path) { message in
            try? await store.update(key) { state, _ in
                guard let slot = state?.slots.first(where: { $0.port == port })?.slot else { return }
                state?[slot].waiting = message
            }
        }
    }

    /// Creates and starts a slot's container, pulling its image if it is not here. A container
    /// that already has the name (a crash after creating it) is adopted when it runs the same
    /// template, and replaced when it is codeb's but stale.
    func create(_ spec: ContainerSpec, _ key: EnvironmentKey, slot: SlotName?) async throws {
        let team = spec.labels[ManagedLabels.team].flatMap { try? ResourceName(parsing: $0) }
        try await pullIfNeeded(spec, key, slot: slot, team: team)
        let spec = try await opened(spec, key)
        let id: String
        do {
            id = try await runtime.create(spec)
        } catch let error as RuntimeError where error.kind == .conflict {
            guard let existing = try await runtime.inspect(spec.name) else { throw error }
            guard existing.isManaged else {
                throw RuntimeError(.notManaged, operation: "create container \(spec.name)", message: "a container with that name exists and is not codeb's; rename or remove it")
            }
            // Another controller's (another store's) container on this Docker host, however alike
            // its labels: never adopted or removed.
            if let theirs = existing.labels[ManagedLabels.store], let ours = spec.labels[ManagedLabels.store], theirs != ours {
                throw RuntimeError(.conflict, operation: "create container \(spec.name)", message: "the name is held by a container of another codeb controller on this Docker host (another state store); codeb leaves it alone — give this environment another project name, or stop the other controller's environment")
            }
            // The name is only a handle: a container of another team, project, environment or
            // slot that holds it is never adopted or removed.
            guard ManagedLabels.sameOwner(existing.labels, spec.labels) else {
                throw RuntimeError(.conflict, operation: "create container \(spec.name)", message: "the name is held by a container of another environment; codeb leaves it alone (its name prefix is claimed by that environment)")
            }
            if existing.labels[ManagedLabels.specHash] == spec.labels[ManagedLabels.specHash] {
                logger.info("adopting existing container", metadata: ["container": "\(spec.name)"])
                try await startOrDiscard(existing.id)
                return
            }
            try await runtime.remove(existing.id)
            id = try await runtime.create(spec)
        }
        CrashPoint.check(.createdNotStarted)
        try await startOrDiscard(id)
    }

    /// `spec` with its secrets' values in its env, opened just before the create.
    func opened(_ spec: ContainerSpec, _ key: EnvironmentKey) async throws -> ContainerSpec {
        guard let binding = spec.secrets, !binding.pins.isEmpty else { return spec }
        let team = spec.labels[ManagedLabels.team].flatMap { try? ResourceName(parsing: $0) }
        guard let vault, let team else {
            throw StoreError(.invalid, "\(key) runs with secrets, and this controller has no secret key to open them (--secret-key-file)")
        }
        var spec = spec
        let values = try await vault.values(SecretOwner(team: team, project: key.project), binding: binding)
        spec.env.merge(values.map { (spec.secretsAs[$0.key] ?? $0.key, $0.value) }) { _, secret in secret }
        return spec
    }

    /// Starts a container; one whose network is gone (removed by hand, or by a sweep between
    /// create and start) can never start again and is removed, so the next pass recreates it.
    private func startOrDiscard(_ id: String) async throws {
        do {
            try await runtime.start(id)
        } catch let error as RuntimeError where error.message.contains("network") && error.message.contains("not found") {
            logger.warning("removing a container whose network is gone", metadata: ["container": "\(id)", "error": "\(error)"])
            try? await runtime.remove(id)
            throw error
        }
    }
}

/// An action that failed; the pass ends there and the key is retried with backoff.
public struct ExecutionError: Error, Sendable, CustomStringConvertible {
    public var key: EnvironmentKey
    public var action: String
    public var underlying: String

    public var description: String { "\(key): \(action): \(underlying)" }
}
