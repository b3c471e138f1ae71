import APIModel
import Drivers
import Foundation
import Spec

extension RevisionView {
    init(_ revision: Revision) {
        self.init(
            number: revision.number, hash: revision.hash, image: revision.spec.template.image.description, source: revision.source.rawValue,
            author: revision.author, createdAt: revision.createdAt, rollbackOf: revision.rollbackOf
        )
    }
}

extension EnvironmentView {
    init(_ state: EnvironmentState) {
        var images: [String: String] = [:]
        for slot in state.slots {
            if let revision = state.revision(slot.revision) { images[slot.slot.rawValue] = revision.spec.template.image.description }
        }
        self.init(
            environment: state.key.environment.value, generation: state.generation, domains: state.desired?.spec.domains.map(\.value) ?? [],
            ports: state.ports, promote: state.desired?.spec.promote.rawValue,
            healthyThreshold: state.desired?.spec.template.healthcheck.healthyThreshold, latest: state.desired.map(RevisionView.init),
            slots: state.slots, images: images, status: state.status, deleting: state.deleting
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
