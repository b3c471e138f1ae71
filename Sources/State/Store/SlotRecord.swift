import Foundation

/// The two slots of an environment.
public enum SlotName: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case blue
    case green

    public var other: SlotName { self == .blue ? .green : .blue }
    public var description: String { rawValue }
}

/// What a slot holds.
public enum SlotState: String, Sendable, Hashable, Codable, CaseIterable {
    /// No container.
    case empty
    /// A container of a new revision, reachable on its port, not yet serving the domains.
    case deployed
    /// Serving the domains.
    case active
    /// The previous active slot, kept warm for instant rollback until `graceUntil`.
    case grace
    /// A rollout that never became healthy: the container is stopped but kept for `codeb logs`.
    case failed
}

/// The recorded state of one slot. Written before its container is created (intent), so a
/// crash in between is adopted on restart rather than duplicated.
public struct SlotRecord: Sendable, Hashable, Codable {
    public var slot: SlotName
    public var state: SlotState
    /// The revision whose template the slot runs.
    public var revision: Int?
    public var hash: String?
    /// The host port of this slot (from the environment's pair).
    public var port: Int
    /// Successful health probes in a row since the container was deployed.
    public var healthyStreak: Int
    public var lastProbe: String?
    /// When the last probe counted; probes are spaced by the health check's interval however
    /// often the slot is reconciled.
    public var lastProbeAt: Date?
    public var deployedAt: Date?
    public var promotedAt: Date?
    public var graceUntil: Date?
    public var failure: String?
    /// What `failure` is, as a word a status condition carries (`PortInUse`, `OOMKilled`, …).
    public var failureReason: Condition.Reason?
    /// Probes answered with an unhealthy status since deploy (a rollout failing its gate says
    /// how often); nil for slots recorded before this existed.
    public var unhealthyAnswers: Int?
    /// How the container last ended while the slot rolled out (the engine restarts it, and a
    /// restarted container's own record forgets): its exit code, and whether it ran out of memory.
    public var lastExitCode: Int?
    public var oomKilled: Bool?
    /// While the slot's image is being pulled: how far (the health deadline starts after it).
    public var pull: PullProgress?
    /// While its promotion waits on something outside the container: `waiting for a certificate for shop.test`.
    public var waiting: String?
    /// Probes since deploy that got no HTTP answer at all (the app not listening yet), while no
    /// probe has been answered; nil once one was (or for slots deployed before this existed).
    /// Until then probes back off from 10 ms instead of waiting a whole interval.
    public var unansweredProbes: Int?
    /// While the slot's first minutes live are watched (`bake:`): until when. Cleared when the
    /// bake passes, when the slot is reverted, and when another slot takes traffic.
    public var bakeUntil: Date?

    public init(
        slot: SlotName, state: SlotState = .empty, revision: Int? = nil, hash: String? = nil, port: Int,
        healthyStreak: Int = 0, lastProbe: String? = nil, deployedAt: Date? = nil, promotedAt: Date? = nil,
        graceUntil: Date? = nil, failure: String? = nil
    ) {
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

    /// An empty slot on `port`.
    public static func empty(_ slot: SlotName, port: Int) -> SlotRecord {
        SlotRecord(slot: slot, port: port)
    }
}
