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
    /// The image digest the controller pulled for it, once pulled from a registry.
    public var imageDigest: String?
    /// The secrets it runs with, by name, and the secrets version each value was set in.
    public var secrets: [String: Int]?
    /// What it changed from the revision before it, as `apply` said (history only).
    public var changes: [String]?
    /// Why its bake sent traffic back to the previous revision.
    public var reverted: String?

    public init(
        number: Int, hash: String, image: String, source: String, author: String, createdAt: Date, rollbackOf: Int? = nil,
        imageDigest: String? = nil, secrets: [String: Int]? = nil, changes: [String]? = nil
    ) {
        self.changes = changes
        self.imageDigest = imageDigest
        self.secrets = secrets
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
    public var slots: [SlotView]
    /// The image each non-empty slot runs, by slot name.
    public var images: [String: String]
    public var status: StatusView
    public var deleting: Bool
    /// Each deployed or active slot's own hostname (`{slot}-{environment}-{project}.{preview
    /// domain}`), when the controller has a `--preview-domain`: a slot is tried there before it
    /// takes traffic.
    public var previews: [String: String]?
    /// The latest revision's `bake:` bars, when it has them.
    public var bake: BakeView?
    /// While its domains answer 503 on purpose.
    public var maintenance: MaintenanceView?
    /// Its backing services (`services:`), when it has any.
    public var services: [ServiceView]?

    public init(
        environment: String, generation: Int, domains: [String], ports: PortPair, promote: String?, healthyThreshold: Int?,
        latest: RevisionView?, slots: [SlotView], images: [String: String], status: StatusView, deleting: Bool
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

/// One slot as the API shows it (the field names of the stored record, without the
/// controller's bookkeeping).
public struct SlotView: Sendable, Codable, Hashable {
    public var slot: SlotName
    public var state: SlotState
    /// The revision whose template the slot runs.
    public var revision: Int?
    public var hash: String?
    public var port: Int
    /// Healthy probes in a row since the container was deployed.
    public var healthyStreak: Int
    /// The last probe's outcome, e.g. `HTTP 200` or why none answered.
    public var lastProbe: String?
    public var deployedAt: Date?
    public var promotedAt: Date?
    /// Until when a grace slot stays warm for `codeb rollback`.
    public var graceUntil: Date?
    public var failure: String?
    /// What `failure` is, as the Degraded condition says it (`PortInUse`, `OOMKilled`, …).
    public var failureReason: String?
    /// While its image is pulled: `pulling 12.3/40.1 MB`.
    public var pulling: String?
    /// While its promotion waits on something outside the container: `waiting for a certificate for shop.test`.
    public var waiting: String?
    /// While a live slot is watched against its `bake:` bars: until when.
    public var bakeUntil: Date?
    /// What its users met through Caddy, when traffic is watched and it took any this hour.
    public var traffic: TrafficView?

    public init(
        slot: SlotName, state: SlotState, revision: Int? = nil, hash: String? = nil, port: Int, healthyStreak: Int = 0, lastProbe: String? = nil,
        deployedAt: Date? = nil, promotedAt: Date? = nil, graceUntil: Date? = nil, failure: String? = nil, failureReason: String? = nil,
        pulling: String? = nil, waiting: String? = nil, bakeUntil: Date? = nil
    ) {
        self.bakeUntil = bakeUntil
        self.failureReason = failureReason
        self.pulling = pulling
        self.waiting = waiting
        self.slot = slot
        self.state = state
        self.revision = revision
        self.hash = hash
        self.port = port
        self.healthyStreak = healthyStreak
        self.lastProbe = lastProbe
        self.deployedAt = deployedAt
        self.promotedAt = promotedAt
        self.graceUntil = graceUntil
        self.failure = failure
    }
}

/// Ready, Progressing and Degraded as the reconcile loop last concluded them.
public struct StatusView: Sendable, Codable, Hashable {
    public struct ConditionView: Sendable, Codable, Hashable {
        public var kind: Condition.Kind
        public var status: Bool
        public var reason: Condition.Reason
        public var message: String
        public var observedGeneration: Int
        public var since: Date

        public init(kind: Condition.Kind, status: Bool, reason: Condition.Reason, message: String, observedGeneration: Int, since: Date) {
            self.kind = kind
            self.status = status
            self.reason = reason
            self.message = message
            self.observedGeneration = observedGeneration
            self.since = since
        }
    }

    public var conditions: [ConditionView]
    /// The revision the conditions describe.
    public var observedGeneration: Int
    /// What Caddy serves over HTTPS for the live hostnames; nil with plain HTTP or before anything is live.
    public var certificates: [ServedCertificate]?

    public init(conditions: [ConditionView] = [], observedGeneration: Int = 0, certificates: [ServedCertificate]? = nil) {
        self.conditions = conditions
        self.observedGeneration = observedGeneration
        self.certificates = certificates
    }

    public func condition(_ kind: Condition.Kind) -> ConditionView? {
        conditions.first { $0.kind == kind }
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
    /// The domain suffixes the team may claim; absent: any domain.
    public var domains: [String]?

    public init(name: String, projects: Int, keys: Int, createdAt: Date? = nil, createdBy: String? = nil, domains: [String]? = nil) {
        self.domains = domains
        self.name = name
        self.projects = projects
        self.keys = keys
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

/// Maintenance as the API shows it.
public struct MaintenanceView: Sendable, Codable, Hashable {
    public var message: String
    /// Seconds.
    public var retryAfter: Int
    public var since: Date
    public var by: String

    public init(message: String, retryAfter: Int, since: Date, by: String) {
        self.message = message
        self.retryAfter = retryAfter
        self.since = since
        self.by = by
    }
}

/// A backing service as `status`, `get` and the console show it.
public struct ServiceView: Sendable, Codable, Hashable {
    public var name: String
    public var image: String
    public var port: Int
    /// Its named volume, when it keeps data.
    public var volume: String?
    /// The bytes its volume holds, as the engine last measured them (up to a minute old).
    public var volumeBytes: Int64?
    /// The container's state (`running`, `paused` while a backup copies it, `exited`…), or
    /// `missing` (being created).
    public var state: String
    /// Why it does not serve (it refuses connections, it stopped), from the environment's status; nil: it does.
    public var problem: String?
    /// Its newest backup, and how many are kept.
    public var lastBackup: Date?
    public var lastBackupID: String?
    public var backups: Int
    /// The backup being restored into it, and why that was not done — or, restored, why the
    /// service does not answer — if so.
    public var restoring: String?
    public var restoreFailure: String?

    public init(name: String, image: String, port: Int, volume: String?, state: String, backups: Int) {
        self.name = name
        self.image = image
        self.port = port
        self.volume = volume
        self.state = state
        self.backups = backups
    }
}

/// A `bake:` policy as the console and the CLI show its bars.
public struct BakeView: Sendable, Codable, Hashable {
    /// `5m`.
    public var `for`: String
    /// `2%`.
    public var maxErrorRate: String
    /// `800ms`, when set.
    public var maxP95: String?
    public var minRequests: Int

    public init(for duration: String, maxErrorRate: String, maxP95: String?, minRequests: Int) {
        self.for = duration
        self.maxErrorRate = maxErrorRate
        self.maxP95 = maxP95
        self.minRequests = minRequests
    }
}

/// A slot's users' requests through Caddy: the last minute, the time since its switch while it
/// bakes, and per minute for the last hour (oldest first).
public struct TrafficView: Sendable, Codable, Hashable {
    public struct Summary: Sendable, Codable, Hashable {
        public var requests: Int
        public var serverErrors: Int
        /// 502s because nothing listened on the slot's port (part of `serverErrors`).
        public var refused: Int
        public var p95Milliseconds: Int?

        public init(requests: Int, serverErrors: Int, refused: Int, p95Milliseconds: Int?) {
            self.requests = requests
            self.serverErrors = serverErrors
            self.refused = refused
            self.p95Milliseconds = p95Milliseconds
        }
    }

    /// One minute of the chart, as the window counts it.
    public typealias Minute = TrafficWindow.Minute

    public var lastMinute: Summary
    public var sinceSwitch: Summary?
    public var minutes: [Minute]

    public init(lastMinute: Summary, sinceSwitch: Summary?, minutes: [Minute]) {
        self.lastMinute = lastMinute
        self.sinceSwitch = sinceSwitch
        self.minutes = minutes
    }
}
