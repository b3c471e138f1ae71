/// Everything that defines a slot's container. Two slots whose templates are equal run the
/// same thing; `hash` (see `SlotTemplate+Hash.swift`) is what containers carry as a label.
public struct SlotTemplate: Sendable, Hashable, Codable {
    public var image: ImageReference
    /// Overrides the image's CMD when set.
    public var command: [String]?
    public var env: [EnvVarName: String]
    /// The port the app listens on inside the container.
    public var port: Port
    public var resources: Resources
    public var healthcheck: Healthcheck

    public init(
        image: ImageReference,
        command: [String]? = nil,
        env: [EnvVarName: String] = [:],
        port: Port,
        resources: Resources = Resources(),
        healthcheck: Healthcheck = Healthcheck()
    ) {
        self.image = image
        self.command = command
        self.env = env
        self.port = port
        self.resources = resources
        self.healthcheck = healthcheck
    }
}
