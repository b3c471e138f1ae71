/// The labels codeb puts on every container it creates. `managedBy` is the fence: codeb lists,
/// changes and removes only containers that carry `codeb.managed-by=codeb`.
public enum ManagedLabels {
    public static let managedBy = "codeb.managed-by"
    public static let managedByValue = "codeb"
    public static let team = "codeb.team"
    public static let project = "codeb.project"
    public static let environment = "codeb.environment"
    public static let slot = "codeb.slot"
    public static let specHash = "codeb.spec-hash"
    public static let revision = "codeb.revision"
    /// The controller node that created it. Controllers sharing one Docker host each see only
    /// their own (and unlabelled ones, from before the label existed).
    public static let node = "codeb.node"

    /// Whether a controller on `node` owns the container with `labels`.
    public static func belongs(_ labels: [String: String], to node: String) -> Bool {
        labels[self.node].map { $0 == node } ?? true
    }

    /// Whether `labels` mark a container as codeb's.
    public static func isManaged(_ labels: [String: String]) -> Bool {
        labels[managedBy] == managedByValue
    }
}
