/// A validated codeb.yaml: one project of one team and its environments, each fully resolved.
///
/// Build one with `SpecLoader`; the initializer trusts its arguments.
public struct Spec: Sendable, Hashable, Codable {
    public var project: ResourceName
    public var team: ResourceName
    /// Keyed by `production`, `staging` and `preview` (the block preview instances are made from).
    public var environments: [EnvironmentName: EnvironmentSpec]

    public init(project: ResourceName, team: ResourceName, environments: [EnvironmentName: EnvironmentSpec]) {
        self.project = project
        self.team = team
        self.environments = environments
    }

    /// The environments in display order: production, staging, preview.
    public var orderedEnvironments: [EnvironmentSpec] {
        environments.values.sorted { $0.name < $1.name }
    }

    /// The environment to deploy for `name`: `production` or `staging` as written, or for
    /// `preview-<suffix>` an instance of the `preview` block. Nil when the spec has no such block.
    public func environment(named name: EnvironmentName) -> EnvironmentSpec? {
        guard name.isPreviewInstance else {
            return name.isDeployable ? environments[name] : nil
        }
        guard var instance = environments[.preview] else { return nil }
        instance.name = name
        return instance
    }
}
