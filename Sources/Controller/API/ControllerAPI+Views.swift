import Drivers
import Foundation
import Spec

/// What the API shows of a revision: enough to follow history, without env values (secrets).
public struct RevisionView: Sendable, Codable, Hashable {
    public var number: Int
    public var hash: String
    public var image: String
    public var source: String
    public var author: String
    public var createdAt: Date
    public var rollbackOf: Int?

    init(_ revision: Revision) {
        number = revision.number
        hash = revision.hash
        image = revision.spec.template.image.description
        source = revision.source.rawValue
        author = revision.author
        createdAt = revision.createdAt
        rollbackOf = revision.rollbackOf
    }
}

public struct EnvironmentView: Sendable, Codable, Hashable {
    public var environment: String
    public var generation: Int
    public var domains: [String]
    public var ports: PortPair
    public var promote: String?
    /// Healthy probes in a row the latest revision needs.
    public var healthyThreshold: Int?
    public var latest: RevisionView?
    public var slots: [SlotRecord]
    /// The image each non-empty slot runs, by slot name.
    public var images: [String: String]
    public var status: EnvironmentStatus
    public var deleting: Bool

    init(_ state: EnvironmentState) {
        var images: [String: String] = [:]
        for slot in state.slots {
            if let revision = state.revision(slot.revision) { images[slot.slot.rawValue] = revision.spec.template.image.description }
        }
        self.images = images
        environment = state.key.environment.value
        generation = state.generation
        domains = state.desired?.spec.domains.map(\.value) ?? []
        ports = state.ports
        promote = state.desired?.spec.promote.rawValue
        healthyThreshold = state.desired?.spec.template.healthcheck.healthyThreshold
        latest = state.desired.map(RevisionView.init)
        slots = state.slots
        status = state.status
        deleting = state.deleting
    }
}

public struct ProjectView: Sendable, Codable, Hashable {
    public var project: String
    public var team: String
    public var environments: [EnvironmentView]
}

public struct KeyView: Sendable, Codable, Hashable {
    public var id: String
    public var team: String
    public var role: String
    public var name: String
    public var createdAt: Date
    public var createdBy: String
    public var revokedAt: Date?
    /// Only in the answer to creation: the key itself, shown once.
    public var key: String?

    init(_ record: KeyRecord, key: String? = nil) {
        id = record.id
        team = record.team.value
        role = record.role
        name = record.name
        createdAt = record.createdAt
        createdBy = record.createdBy
        revokedAt = record.revokedAt
        self.key = key
    }
}
