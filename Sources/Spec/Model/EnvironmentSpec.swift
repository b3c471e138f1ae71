/// One environment of a project with every inherited field and default resolved.
public struct EnvironmentSpec: Sendable, Hashable, Codable {
    public var name: EnvironmentName
    /// What each slot's container runs; its `hash` identifies a revision's containers.
    public var template: SlotTemplate
    /// The domains Caddy serves this environment at. Empty for a preview instance until the
    /// controller adds `{environment}.{project}.{previewDomain}`.
    public var domains: [Hostname]
    public var promote: PromotePolicy
    /// How long the previous slot stays warm for rollback after a promotion.
    public var grace: SpecDuration
    /// How long a retired slot gets between SIGTERM and SIGKILL to drain requests.
    public var stopTimeout: SpecDuration

    public static let defaultGrace = SpecDuration.hours(48)
    public static let defaultStopTimeout = SpecDuration.seconds(30)

    public init(
        name: EnvironmentName,
        template: SlotTemplate,
        domains: [Hostname] = [],
        promote: PromotePolicy = .auto,
        grace: SpecDuration = EnvironmentSpec.defaultGrace,
        stopTimeout: SpecDuration = EnvironmentSpec.defaultStopTimeout
    ) {
        self.name = name
        self.template = template
        self.domains = domains
        self.promote = promote
        self.grace = grace
        self.stopTimeout = stopTimeout
    }
}
