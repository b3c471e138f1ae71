import Foundation

/// A Kubernetes-style condition: Ready, Progressing or Degraded.
public struct Condition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case ready = "Ready"
        case progressing = "Progressing"
        case degraded = "Degraded"
    }

    /// Why a condition has its status: a CamelCase word for scripts (`RolloutFailed`), one
    /// closed set, so a client can switch over it.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        // Ready
        case live = "Live"
        case oldRevisionLive = "OldRevisionLive"
        case nothingLive = "NothingLive"
        // Progressing
        case waitingForHealth = "WaitingForHealth"
        case waitingForPromotion = "WaitingForPromotion"
        /// Live, and watched against its `bake:` bars until the bake ends.
        case baking = "Baking"
        case rolloutComplete = "RolloutComplete"
        case idle = "Idle"
        /// The first slot waits for the environment's backing services to accept connections.
        case waitingForServices = "WaitingForServices"
        // Degraded (and Progressing: RolloutFailed)
        case rolloutFailed = "RolloutFailed"
        case proxyUnavailable = "ProxyUnavailable"
        case repairing = "Repairing"
        /// Live over the route, but Caddy serves no certificate for a hostname that verifies (yet).
        case certificatePending = "CertificatePending"
        case asExpected = "AsExpected"
        // Degraded: why the latest revision failed (RolloutFailed when no cause is known)
        case portInUse = "PortInUse"
        case startFailed = "StartFailed"
        case imagePullFailed = "ImagePullFailed"
        case containerExited = "ContainerExited"
        case oomKilled = "OOMKilled"
        case unhealthy = "Unhealthy"
        case noAnswer = "NoAnswer"
        /// Over a `bake:` bar after its switch: traffic went back to the warm previous slot.
        case reverted = "Reverted"
        /// Over a `bake:` bar with no warm previous slot to go back to: it keeps serving.
        case bakeFailed = "BakeFailed"
        /// A backing service is not running or does not accept connections.
        case serviceUnhealthy = "ServiceUnhealthy"
        /// A change of a backing service did not come up; the old container runs again.
        case serviceChangeFailed = "ServiceChangeFailed"
        /// A word this version does not know (written by a newer controller).
        case unknown = "Unknown"

        public init(from decoder: any Decoder) throws {
            self = Reason(rawValue: try decoder.singleValueContainer().decode(String.self)) ?? .unknown
        }
    }

    public var kind: Kind
    public var status: Bool
    public var reason: Reason
    public var message: String
    public var observedGeneration: Int
    public var since: Date

    public init(kind: Kind, status: Bool, reason: Reason, message: String, observedGeneration: Int, since: Date) {
        self.kind = kind
        self.status = status
        self.reason = reason
        self.message = message
        self.observedGeneration = observedGeneration
        self.since = since
    }

    /// When a condition with `status` and `reason` began: `previous`'s moment while it said the
    /// same, else `now`.
    public static func since(previous: Condition?, status: Bool, reason: Reason, now: Date) -> Date {
        guard let previous, previous.status == status, previous.reason == reason else { return now }
        return previous.since
    }
}

/// What the reconcile loop last concluded about an environment.
public struct EnvironmentStatus: Sendable, Hashable, Codable {
    public var conditions: [Condition]
    public var observedGeneration: Int
    /// What Caddy serves over HTTPS for the live environment's hostnames, as last read.
    public var certificates: [ServedCertificate]

    public init(conditions: [Condition] = [], observedGeneration: Int = 0, certificates: [ServedCertificate] = []) {
        self.conditions = conditions
        self.observedGeneration = observedGeneration
        self.certificates = certificates
    }

    enum CodingKeys: String, CodingKey { case conditions, observedGeneration, certificates }

    /// Records written before certificates were read have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        conditions = try container.decode([Condition].self, forKey: .conditions)
        observedGeneration = try container.decode(Int.self, forKey: .observedGeneration)
        certificates = try container.decodeIfPresent([ServedCertificate].self, forKey: .certificates) ?? []
    }

    public func condition(_ kind: Condition.Kind) -> Condition? {
        conditions.first { $0.kind == kind }
    }

    /// Degraded with `CertificatePending` saying `message` (what a confirmation that ran out of
    /// time for a certificate leaves; later passes read the certificate themselves).
    public mutating func setCertificatePending(_ message: String, now: Date) {
        let since = Condition.since(previous: condition(.degraded), status: true, reason: .certificatePending, now: now)
        let updated = Condition(kind: .degraded, status: true, reason: .certificatePending, message: message, observedGeneration: observedGeneration, since: since)
        conditions.removeAll { $0.kind == .degraded }
        conditions.append(updated)
    }
}
