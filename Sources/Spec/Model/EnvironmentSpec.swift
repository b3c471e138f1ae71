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
    /// The hosts this environment may run on; it runs on one of them at a time (whichever
    /// controller holds its lease). Empty: any host.
    public var nodes: [NodeName]
    /// Where its certificates come from (`tls: internal`: Caddy's local CA).
    public var tls: TLSPolicy
    /// Whether its sites send `Strict-Transport-Security` (browsers then refuse plain HTTP for a year).
    public var hsts: Bool
    /// How a new revision's real traffic is judged after its switch; nil: not watched.
    public var bake: BakePolicy?
    /// Its backing services (a cache, a database), by name.
    public var services: [ServiceSpec]

    public static let defaultGrace = SpecDuration.hours(48)
    public static let defaultStopTimeout = SpecDuration.seconds(30)

    public init(
        name: EnvironmentName,
        template: SlotTemplate,
        domains: [Hostname] = [],
        promote: PromotePolicy = .auto,
        grace: SpecDuration = EnvironmentSpec.defaultGrace,
        stopTimeout: SpecDuration = EnvironmentSpec.defaultStopTimeout,
        nodes: [NodeName] = [],
        tls: TLSPolicy = .auto,
        hsts: Bool = false,
        bake: BakePolicy? = nil,
        services: [ServiceSpec] = []
    ) {
        self.bake = bake
        self.services = services
        self.tls = tls
        self.hsts = hsts
        self.name = name
        self.template = template
        self.domains = domains
        self.promote = promote
        self.grace = grace
        self.stopTimeout = stopTimeout
        self.nodes = nodes
    }

    /// Whether a controller on `node` may run this environment.
    public func runs(on node: NodeName) -> Bool {
        nodes.isEmpty || nodes.contains(node)
    }

    enum CodingKeys: String, CodingKey {
        case name, template, domains, promote, grace, stopTimeout, nodes, tls, hsts, bake, services
    }

    /// State written before `nodes`, `tls`, `hsts`, `bake` or `services` existed decodes with their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(EnvironmentName.self, forKey: .name)
        template = try container.decode(SlotTemplate.self, forKey: .template)
        domains = try container.decode([Hostname].self, forKey: .domains)
        promote = try container.decode(PromotePolicy.self, forKey: .promote)
        grace = try container.decode(SpecDuration.self, forKey: .grace)
        stopTimeout = try container.decode(SpecDuration.self, forKey: .stopTimeout)
        nodes = try container.decodeIfPresent([NodeName].self, forKey: .nodes) ?? []
        tls = try container.decodeIfPresent(TLSPolicy.self, forKey: .tls) ?? .auto
        hsts = try container.decodeIfPresent(Bool.self, forKey: .hsts) ?? false
        bake = try container.decodeIfPresent(BakePolicy.self, forKey: .bake)
        services = try container.decodeIfPresent([ServiceSpec].self, forKey: .services) ?? []
    }
}
