import APIModel
import Drivers
import Foundation
import Planning
import Spec
import State

extension RevisionView {
    init(_ revision: Revision) {
        self.init(
            number: revision.number, hash: revision.hash, image: revision.spec.template.image.description, source: revision.source.rawValue,
            author: revision.author, createdAt: revision.createdAt, rollbackOf: revision.rollbackOf, imageDigest: revision.imageDigest,
            secrets: revision.spec.template.secretsBinding.map { Dictionary(uniqueKeysWithValues: $0.pins.map { ($0.key.value, $0.value) }) }
        )
        reverted = revision.reverted
    }
}

extension EnvironmentView {
    init(_ state: EnvironmentState, previewDomain: Hostname? = nil) {
        var images: [String: String] = [:]
        var previews: [String: String] = [:]
        for slot in state.slots {
            if let revision = state.revision(slot.revision) { images[slot.slot.rawValue] = revision.spec.template.image.description }
            // As the site file routes them (Planner+Site): deployed and active slots only.
            if let previewDomain, slot.state == .active || slot.state == .deployed,
               let name = Planner.previewHostname(slot.slot, state.key, previewDomain: previewDomain) {
                previews[slot.slot.rawValue] = name.value
            }
        }
        self.init(
            environment: state.key.environment.value, generation: state.generation, domains: state.desired?.spec.domains.map(\.value) ?? [],
            ports: state.ports, promote: state.desired?.spec.promote.rawValue,
            healthyThreshold: state.desired?.spec.template.healthcheck.healthyThreshold, latest: state.desired.map(RevisionView.init),
            slots: state.slots.map(SlotView.init), images: images, status: StatusView(state.status), deleting: state.deleting
        )
        self.previews = previewDomain == nil ? nil : previews
        self.maintenance = state.maintenance.map { MaintenanceView(message: $0.message, retryAfter: $0.retryAfter, since: $0.since, by: $0.by) }
        self.bake = state.desired?.spec.bake.map {
            BakeView(for: $0.duration.description, maxErrorRate: BakePolicy.percentText($0.maxErrorRateBasisPoints), maxP95: $0.maxP95?.description, minRequests: $0.minRequests)
        }
    }

    /// The view with what each slot's users met, as `traffic` counted it, and its services as
    /// the engine and the backup directory have them.
    static func with(_ state: EnvironmentState, previewDomain: Hostname?, reconciler: Reconciler?, now: Date) async -> EnvironmentView {
        var view = EnvironmentView(state, previewDomain: previewDomain)
        view.services = await services(state, reconciler: reconciler)
        guard let traffic = reconciler?.traffic else { return view }
        let (ports, since) = Planner.trafficSlots(state, now: now)
        let report = await traffic.report(state.key, ports: ports, since: since, now: now)
        for index in view.slots.indices {
            guard let slot = report[view.slots[index].slot], slot.minutes.contains(where: { $0.requests > 0 }) || slot.sinceSwitch != nil else { continue }
            view.slots[index].traffic = TrafficView(slot)
        }
        return view
    }
}

extension EnvironmentView {
    static func services(_ state: EnvironmentState, reconciler: Reconciler?) async -> [ServiceView]? {
        guard let services = state.desired?.spec.services, !services.isEmpty else { return nil }
        let key = state.key, team = state.team.value
        let containers = (try? await reconciler?.runtime.listManaged(project: key.project.value, environment: key.environment.value)) ?? []
        let problem = state.status.condition(.degraded).flatMap { [.serviceUnhealthy, .serviceChangeFailed].contains($0.reason) ? $0.message : nil }
        let volumes = Set(services.filter { $0.volume != nil }.map { ManagedLabels.volume(of: team, key, service: $0.name.value) })
        let sizes = volumes.isEmpty ? [:] : ((try? await reconciler?.runtime.volumeSizes(volumes)) ?? [:])
        return services.map { service in
            let name = service.name.value
            let container = containers.first { $0.labels[ManagedLabels.service] == name && $0.labels[ManagedLabels.team] == team }
            var view = ServiceView(
                name: name, image: service.image.description, port: service.port.value,
                volume: service.volume.map { _ in ManagedLabels.volume(of: team, key, service: name) }, state: container?.state.rawValue ?? "missing",
                backups: 0
            )
            view.volumeBytes = view.volume.flatMap { sizes[$0] }
            // The status names the service it is about (`the service cache …`).
            if let problem, problem.contains("service \(name) ") { view.problem = problem }
            let backups = reconciler?.backups?.list(team: team, project: key.project.value, environment: key.environment.value, service: name) ?? []
            view.backups = backups.count
            view.lastBackup = backups.first?.createdAt
            view.lastBackupID = backups.first?.id
            if let restore = state.restore, restore.service == name {
                view.restoring = restore.backup
                view.restoreFailure = restore.failure
            }
            return view
        }
    }
}

extension TrafficView {
    init(_ traffic: SlotTraffic) {
        self.init(
            lastMinute: Summary(traffic.lastMinute), sinceSwitch: traffic.sinceSwitch.map(Summary.init),
            minutes: traffic.minutes
        )
    }
}

extension TrafficView.Summary {
    init(_ summary: TrafficWindow.Summary) {
        self.init(requests: summary.requests, serverErrors: summary.serverErrors, refused: summary.refused, p95Milliseconds: summary.p95.map { Int($0.inMilliseconds) })
    }
}

extension SlotView {
    init(_ record: SlotRecord) {
        self.init(
            slot: record.slot, state: record.state, revision: record.revision, hash: record.hash, port: record.port,
            healthyStreak: record.healthyStreak, lastProbe: record.lastProbe, deployedAt: record.deployedAt, promotedAt: record.promotedAt,
            graceUntil: record.graceUntil, failure: record.failure, failureReason: record.failureReason?.rawValue,
            pulling: record.pull?.description, waiting: record.waiting, bakeUntil: record.bakeUntil
        )
    }
}

extension StatusView {
    init(_ status: EnvironmentStatus) {
        self.init(
            conditions: status.conditions.map {
                ConditionView(kind: $0.kind, status: $0.status, reason: $0.reason, message: $0.message, observedGeneration: $0.observedGeneration, since: $0.since)
            },
            observedGeneration: status.observedGeneration, certificates: status.certificates.isEmpty ? nil : status.certificates
        )
    }
}

extension KeyView {
    init(_ record: KeyRecord, key: String? = nil) {
        self.init(
            id: record.id, team: record.team.value, role: record.role, name: record.name, createdAt: record.createdAt,
            createdBy: record.createdBy, revokedAt: record.revokedAt, key: key
        )
    }
}
