import Foundation
import State

/// What the API shows of a revision: enough to follow history, without env values (secrets).
public struct RevisionView: Sendable, Codable, Hashable {
    public var number: Int
    public var hash: String
    public var image: String
    public var source: String
    public var author: String
    public var createdAt: Date
    public var rollbackOf: Int?

    public init(number: Int, hash: String, image: String, source: String, author: String, createdAt: Date, rollbackOf: Int? = nil) {
        self.number = number
        self.hash = hash
        self.image = image
        self.source = source
        self.author = author
        self.createdAt = createdAt
        self.rollbackOf = rollbackOf
    }
}

/// One environment as the API shows it.
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

    public init(
        environment: String, generation: Int, domains: [String], ports: PortPair, promote: String?, healthyThreshold: Int?,
        latest: RevisionView?, slots: [SlotRecord], images: [String: String], status: EnvironmentStatus, deleting: Bool
    ) {
        self.environment = environment
        self.generation = generation
        self.domains = domains
        self.ports = ports
        self.promote = promote
        self.healthyThreshold = healthyThreshold
        self.latest = latest
        self.slots = slots
        self.images = images
        self.status = status
        self.deleting = deleting
    }
}

/// A project and the caller's view of its environments.
public struct ProjectView: Sendable, Codable, Hashable {
    public var project: String
    public var team: String
    public var environments: [EnvironmentView]

    public init(project: String, team: String, environments: [EnvironmentView]) {
        self.project = project
        self.team = team
        self.environments = environments
    }
}

/// A key as the API lists it: never the key itself, except once in the answer to creation.
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

    public init(id: String, team: String, role: String, name: String, createdAt: Date, createdBy: String, revokedAt: Date? = nil, key: String? = nil) {
        self.id = id
        self.team = team
        self.role = role
        self.name = name
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.revokedAt = revokedAt
        self.key = key
    }
}

/// A team as `GET /v1/teams` shows it (owner only).
public struct TeamView: Sendable, Codable, Hashable {
    public var name: String
    /// Projects the team owns.
    public var projects: Int
    /// Keys that still work.
    public var keys: Int
    public var createdAt: Date?
    public var createdBy: String?

    public init(name: String, projects: Int, keys: Int, createdAt: Date? = nil, createdBy: String? = nil) {
        self.name = name
        self.projects = projects
        self.keys = keys
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}
