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
