import Foundation

/// A Kubernetes-style condition: Ready, Progressing or Degraded.
public struct Condition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case ready = "Ready"
        case progressing = "Progressing"
        case degraded = "Degraded"
    }

    public var kind: Kind
    public var status: Bool
    /// A CamelCase word for scripts, e.g. `RolloutFailed`.
    public var reason: String
    public var message: String
    public var observedGeneration: Int
    public var since: Date

    public init(kind: Kind, status: Bool, reason: String, message: String, observedGeneration: Int, since: Date) {
        self.kind = kind
        self.status = status
        self.reason = reason
        self.message = message
        self.observedGeneration = observedGeneration
        self.since = since
    }
}

/// What the reconcile loop last concluded about an environment.
public struct EnvironmentStatus: Sendable, Hashable, Codable {
    public var conditions: [Condition]
    public var observedGeneration: Int

    public init(conditions: [Condition] = [], observedGeneration: Int = 0) {
        self.conditions = conditions
        self.observedGeneration = observedGeneration
    }

    public func condition(_ kind: Condition.Kind) -> Condition? {
        conditions.first { $0.kind == kind }
    }
}
