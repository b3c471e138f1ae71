import Spec

/// One project/environment: the unit the reconcile loop works on, the store keeps, and the
/// router writes one site file for.
public struct EnvironmentKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var project: ResourceName
    public var environment: EnvironmentName

    public init(project: ResourceName, environment: EnvironmentName) {
        self.project = project
        self.environment = environment
    }

    /// `shop/production`.
    public var description: String { "\(project)/\(environment)" }

    /// `shop-production`: container-name prefix and site-file name.
    public var stem: String { "\(project)-\(environment)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.project, lhs.environment) < (rhs.project, rhs.environment)
    }
}
