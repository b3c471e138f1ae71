import Drivers
import Foundation
import Spec
import State

/// The changes people and CI ask for — apply, promote, rollback, delete — as store updates.
/// The reconcile loop then makes the world match; these never touch containers themselves.
public struct StateOperations: Sendable {
    public let store: any Store
    public let time: any TimeSource
    /// The controller's preview domain: the hostnames generated under it are claimed at apply.
    public let previewDomain: Hostname?
    /// What each team may hold.
    public let quota: TeamQuota
    /// Where secret values are; nil when the controller has no secret key (an apply naming
    /// secrets is then refused).
    public let vault: SecretVault?
    /// Where each kind's port pairs are allocated (`--ports`).
    public let ports: PortRanges

    public init(
        store: any Store, time: any TimeSource = SystemTime(), previewDomain: Hostname? = nil, quota: TeamQuota = .unlimited,
        vault: SecretVault? = nil, ports: PortRanges = .default
    ) {
        self.ports = ports
        self.vault = vault
        self.store = store
        self.time = time
        self.previewDomain = previewDomain
        self.quota = quota
    }

    /// The preview hostnames the controller serves `key` at under `previewDomain` (the same
    /// rules as the site file's): per slot, and for a `preview-*` instance its own.
    public static func generatedHostnames(_ key: EnvironmentKey, previewDomain: Hostname?) -> [Hostname] {
        guard let preview = previewDomain else { return [] }
        var names = SlotName.allCases.map { "\($0)-\(key.environment)-\(key.project).\(preview)" }
        if key.environment.isPreviewInstance { names.insert("\(key.environment).\(key.project).\(preview)", at: 0) }
        return names.compactMap { try? Hostname(parsing: $0) }
    }

    /// Records `spec`'s environment `environment` as the wanted state and returns its revision.
    /// Applying what is already wanted changes nothing (unless its rollout failed: that retries).
    ///
    /// - Parameter expectedGeneration: when set, the apply is refused with `.conflict` unless the
    ///   environment's latest revision number is exactly this (optimistic concurrency).
    @discardableResult
    public func apply(_ spec: Spec, environment: EnvironmentName, author: String, expectedGeneration: Int? = nil) async throws -> Revision {
        guard var wanted = spec.environment(named: environment) else {
            let reason = environment.isPreviewInstance
                ? "codeb.yaml has no `preview` block to create \(environment) from"
                : "codeb.yaml has no `\(environment)` environment"
            throw StoreError(.notFound, reason)
        }
        let key = EnvironmentKey(project: spec.project, environment: environment)
        let now = time.now()
        let team = spec.team
        wanted.template.secretsBinding = try await bindSecrets(wanted, team: team, key: key)
        let resolved = wanted
        let generated = Self.generatedHostnames(key, previewDomain: previewDomain)
        let ranges = ports
        if quota != .unlimited {
            // Read before the update, not in it: two applies of one team at the same moment can
            // both pass (a quota bounds a team, it is not a claim between teams).
            var environments: [EnvironmentState] = []
            for other in try await store.keys() {
                if let state = try await store.load(other) { environments.append(state) }
            }
            try quota.check(resolved, key: key, team: team, environments: environments)
        }
        return try await store.update(key) { state, claims in
            if let current = state {
                guard current.team == team else {
                    throw StoreError(.conflict, "\(key) belongs to another team; pick another project name")
                }
                guard !current.deleting else {
                    throw StoreError(.conflict, "\(key) is being deleted; apply again once it is gone")
                }
            }
            // Refusals name another environment only when it is of the same project (and so of
            // this team); another team's names are never revealed.
            if let owner = claims.projectTeam, owner != team {
                throw StoreError(.conflict, "project \(key.project) belongs to another team; pick another project name")
            }
            if state == nil, let owner = claims.stems[key.stem] {
                let holder = owner.project == key.project ? " (by \(owner))" : ""
                throw StoreError(.conflict, "the name \(key.stem) is taken\(holder): container and site names are {project}-{environment}, and another environment's already reads the same; pick another project or environment name")
            }
            if let expectedGeneration, expectedGeneration != (state?.generation ?? 0) {
                throw StoreError(.conflict, "\(key) is at generation \(state?.generation ?? 0), not \(expectedGeneration); fetch it again and retry")
            }
            for domain in resolved.domains {
                if let owner = claims.domains[domain] {
                    let holder = owner.project == key.project ? "by \(owner)" : "by another environment"
                    throw StoreError(.conflict, "\(domain) is already taken \(holder); a domain belongs to one environment")
                }
            }
            for hostname in generated where claims.domains[hostname] != nil {
                throw StoreError(.conflict, "the preview hostname \(hostname), which codeb generates for \(key), is taken by another environment's domains; pick another project or environment name")
            }
            // Ports are unique per node: only environments that may run where this one may count.
            let held = claims.portsHeld(on: resolved.nodes)
            var current = try state ?? {
                guard let ports = PortPair.allocate(for: environment.kind, used: held, ranges: ranges) else {
                    let range = ranges[environment.kind]
                    throw StoreError(.exhausted, "no free port pair left in the \(environment.kind) range \(range.lowerBound)–\(range.upperBound); delete an environment, or widen the range with the controller's --ports (e.g. --ports \(environment.kind)=\(range.lowerBound)-\(min(65535, range.upperBound + range.count)))")
                }
                return EnvironmentState(key: key, team: team, ports: ports)
            }()
            if let spare = current.ports.spare, held.contains(spare) {
                current.ports.spare = nil  // placed where another environment holds it: take another
            }
            let clash = [current.ports.blue, current.ports.green].filter(held.contains)
            if !clash.isEmpty {
                let holders = Set(clash.flatMap { claims.ports[$0] ?? [] }.filter { $0.overlaps(resolved.nodes) }.map(\.key))
                let named = holders.allSatisfy { $0.project == key.project } ? " (by \(holders.sorted().map(\.description).joined(separator: ", ")))" : ""
                let placement = resolved.nodes.isEmpty ? "every node" : "node " + resolved.nodes.map(\.value).joined(separator: ", ")
                throw StoreError(.conflict, "\(key) keeps its ports \(clash.map(String.init).joined(separator: ", ")) wherever it runs, and on \(placement) another environment holds them\(named); place it on other nodes, or delete it and apply again to get ports free there")
            }
            if current.ports.spare == nil {
                // State from before spares, or a range that was full: take one if there is room now.
                current.ports.spare = PortPair.spare(in: ranges[environment.kind], used: held.union(current.ports.all))
            }
            current.generatedHostnames = generated
            if let latest = current.desired, latest.spec == resolved {
                let failed = current.slots.contains { $0.state == .failed && $0.revision == latest.number }
                if !failed {
                    state = current
                    return latest
                }
            }
            let revision = Revision(number: current.generation + 1, spec: resolved, source: .apply, author: author, createdAt: now)
            current.revisions.append(revision)
            state = current
            return revision
        }
    }

    /// Approves the latest revision for promotion (for `promote: manual`); returns its number.
    @discardableResult
    public func promote(_ key: EnvironmentKey, author: String, bake: Bool = false) async throws -> Int {
        try await store.update(key) { state, _ in
            guard var current = state, let latest = current.desired, !current.deleting else {
                throw StoreError(.notFound, "\(key) does not exist")
            }
            if current.slots.contains(where: { $0.state == .active && $0.revision == latest.number }) {
                throw StoreError(.invalid, "revision \(latest.number) of \(key) is already live")
            }
            if let failed = current.slots.first(where: { $0.state == .failed && $0.revision == latest.number }) {
                throw StoreError(.invalid, "revision \(latest.number) of \(key) failed its rollout (\(failed.failure ?? "unhealthy")); apply again to retry")
            }
            current.promotionApproved = latest.number
            current.promotionBake = bake ? latest.spec.bake ?? .onDemand : nil
            state = current
            return latest.number
        }
    }

    /// A new revision copied from the grace slot's: traffic returns to it at once.
    @discardableResult
    public func rollback(_ key: EnvironmentKey, author: String) async throws -> Revision {
        let now = time.now()
        return try await store.update(key) { state, _ in
            guard var current = state, !current.deleting else {
                throw StoreError(.notFound, "\(key) does not exist")
            }
            // The warm version that is not the one wanted now: the grace slot, or — while a
            // switch to the grace slot is wanted but not yet made (a rollback a moment ago) —
            // the active slot, which that switch is about to make grace. So two rollbacks in a
            // row go back and forth, whether or not the first has been carried out.
            let grace = current.slots.first { $0.state == .grace }
            let switchPending = grace != nil && grace?.hash == current.desired?.hash
            let warm = switchPending ? current.slots.first { $0.state == .active && $0.hash != grace?.hash } : grace
            guard let warm, let previous = current.revision(warm.revision) else {
                throw StoreError(.invalid, "\(key) has no previous version kept warm (no slot in grace) to roll back to; apply the version you want instead")
            }
            let revision = Revision(number: current.generation + 1, spec: previous.spec, source: .rollback, author: author, createdAt: now, rollbackOf: previous.number)
            current.revisions.append(revision)
            state = current
            return revision
        }
    }

    /// Empties the environment's failed slots (their stopped containers are then removed by
    /// the loop); returns which. A failed rollout's record goes with it, so its revision is
    /// retried only by a new apply, as before.
    @discardableResult
    public func cleanup(_ key: EnvironmentKey) async throws -> [SlotName] {
        try await store.update(key) { state, _ in
            guard var current = state, !current.deleting else { throw StoreError(.notFound, "\(key) does not exist") }
            let failed = current.slots.filter { $0.state == .failed }.map(\.slot)
            for slot in failed { current[slot] = .empty(slot, port: current.ports.port(for: slot)) }
            state = current
            return failed
        }
    }

    /// Marks the environment for deletion; the loop removes containers and the site, then the record.
    public func delete(_ key: EnvironmentKey, author: String, purgeData: Bool = false) async throws {
        try await store.update(key) { state, _ in
            guard var current = state else { throw StoreError(.notFound, "\(key) does not exist") }
            current.deleting = true
            // A preview's services are as disposable as the preview.
            if purgeData || key.environment.isPreviewInstance { current.purgeData = true }
            state = current
        }
    }
}
