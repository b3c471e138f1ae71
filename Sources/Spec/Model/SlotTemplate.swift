/// Everything that defines a slot's container. Two slots whose templates are equal run the
/// same thing; `hash` (see `SlotTemplate+Hash.swift`) is what containers carry as a label.
public struct SlotTemplate: Sendable, Hashable, Codable {
    public var image: ImageReference
    /// Overrides the image's CMD when set.
    public var command: [String]?
    public var env: [EnvVarName: String]
    /// Variables whose values come from the controller's secret store (names only, sorted).
    public var secrets: [EnvVarName]
    /// Which stored value of each secret the slot runs with: set by the controller when it
    /// records a revision, nil in a spec as loaded. Covered by `hash` through its digest.
    public var secretsBinding: SecretsBinding?
    /// The port the app listens on inside the container.
    public var port: Port
    public var resources: Resources
    public var healthcheck: Healthcheck

    public init(
        image: ImageReference,
        command: [String]? = nil,
        env: [EnvVarName: String] = [:],
        secrets: [EnvVarName] = [],
        secretsBinding: SecretsBinding? = nil,
        port: Port,
        resources: Resources = Resources(),
        healthcheck: Healthcheck = Healthcheck()
    ) {
        self.image = image
        self.command = command
        self.env = env
        self.secrets = secrets
        self.secretsBinding = secretsBinding
        self.port = port
        self.resources = resources
        self.healthcheck = healthcheck
    }

    enum CodingKeys: String, CodingKey {
        case image, command, env, secrets, secretsBinding, port, resources, healthcheck
    }

    /// State written before secrets existed decodes with none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decode(ImageReference.self, forKey: .image)
        command = try container.decodeIfPresent([String].self, forKey: .command)
        env = try container.decode([EnvVarName: String].self, forKey: .env)
        secrets = try container.decodeIfPresent([EnvVarName].self, forKey: .secrets) ?? []
        secretsBinding = try container.decodeIfPresent(SecretsBinding.self, forKey: .secretsBinding)
        port = try container.decode(Port.self, forKey: .port)
        resources = try container.decode(Resources.self, forKey: .resources)
        healthcheck = try container.decode(Healthcheck.self, forKey: .healthcheck)
    }
}
