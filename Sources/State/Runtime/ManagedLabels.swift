import Spec

/// The labels codeb puts on every container it creates. `managedBy` is the fence: codeb lists,
/// changes and removes only containers that carry `codeb.managed-by=codeb`.
public enum ManagedLabels {
    public static let managedBy = "codeb.managed-by"
    public static let managedByValue = "codeb"
    public static let team = "codeb.team"
    public static let project = "codeb.project"
    public static let environment = "codeb.environment"
    public static let slot = "codeb.slot"
    /// The backing service a container (or volume) is, by its name in codeb.yaml; a service's
    /// container has no slot.
    public static let service = "codeb.service"
    public static let specHash = "codeb.spec-hash"
    public static let revision = "codeb.revision"
    /// The controller node that created it. Controllers sharing one Docker host each see only
    /// their own (and unlabelled ones, from before the label existed).
    public static let node = "codeb.node"
    /// The identity of the store whose controller created it (`Store.identity()`).
    public static let store = "codeb.store"

    /// Whether a controller on `node` owns the container with `labels`.
    public static func belongs(_ labels: [String: String], to node: String) -> Bool {
        labels[self.node].map { $0 == node } ?? true
    }

    /// Whether the container with `labels` was made by a controller of the store `identity`.
    /// Controllers of different stores may share one Docker host (a demo beside an install, two
    /// installs): each sees, adopts and removes only its own store's containers, even where
    /// project, environment and slot are alike. Unlabelled ones (from before the label) count
    /// as every store's, as before.
    public static func fromStore(_ labels: [String: String], _ identity: String) -> Bool {
        labels[store].map { $0 == identity } ?? true
    }

    /// Whether `labels` mark a container as codeb's.
    public static func isManaged(_ labels: [String: String]) -> Bool {
        labels[managedBy] == managedByValue
    }

    /// The environment a managed container (or its event) names, if its labels are valid.
    public static func key(_ labels: [String: String]) -> EnvironmentKey? {
        guard let project = labels[project].flatMap({ try? ResourceName(parsing: $0) }),
              let environment = labels[environment].flatMap({ try? EnvironmentName(parsing: $0) })
        else { return nil }
        return EnvironmentKey(project: project, environment: environment)
    }

    /// The labels that say whose a container is: a container's identity, never its name.
    public static let identity = [team, project, environment, slot]

    /// Whether two label sets name the same team, project, environment and slot.
    public static func sameOwner(_ labels: [String: String], _ other: [String: String]) -> Bool {
        identity.allSatisfy { labels[$0] == other[$0] }
    }

    /// The user-defined bridge network of `team`: its containers reach each other by name and
    /// nothing of another team's.
    public static func network(of team: String) -> String { "codeb-\(team)" }

    /// The internal network of one environment: its backing services and its slots, nothing
    /// else — another project of the same team cannot resolve or reach its services. Dots
    /// cannot occur in names, so no team's network is ever named the same.
    public static func network(of team: String, _ key: EnvironmentKey) -> String {
        "codeb-\(team).\(key.project).\(key.environment)"
    }

    /// The named volume of one environment's backing service.
    public static func volume(of team: String, _ key: EnvironmentKey, service: String) -> String {
        "codeb-\(team).\(key.project).\(key.environment).\(service)"
    }
}
