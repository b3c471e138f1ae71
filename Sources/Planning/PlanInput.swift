import Foundation
import Spec
import State

/// Everything the planner decides from: values only, gathered by one observation.
public struct PlanInput: Sendable, Hashable {
    public var state: EnvironmentState
    /// Managed containers labelled with this project/environment.
    public var containers: [ContainerInfo]
    /// The environment's site file as found, if any.
    public var site: ManagedSite?
    /// Health probes taken during this observation, for slots being rolled out.
    public var probes: [SlotName: ProbeResult]
    public var now: Date
    /// The controller's `--preview-domain`: slots are also served at `{slot}-{environment}-{project}.{previewDomain}`.
    public var previewDomain: Hostname?
    /// The controller's node, put on the containers it creates.
    public var node: NodeName?
    /// Why the proxy on this host is not serving (Caddy down), or nil: reported as Degraded.
    public var proxyProblem: String?
    /// The store's identity, put on the containers it creates (`codeb.store`).
    public var storeID: String?
    /// Containers the executor is retiring in the background (by ID): already going, so no
    /// pass plans them again; the ports they hold until then are not given to a new one.
    public var retiring: Set<String>
    /// Why this environment's last pass failed (the Docker or Caddy error), until a pass
    /// succeeds: a rollout that runs out of time because its container never started says so
    /// rather than "no probe answered".
    public var lastPassError: String?
    /// The loopback address new containers publish their port on (`--publish-address`).
    public var publishAddress: String
    /// What the proxy serves over HTTPS for the hostnames of a live environment (empty with
    /// plain HTTP, or before anything is live).
    public var certificates: [ServedCertificate]
    /// What a baking slot answered since its switch (users' requests through the proxy); absent
    /// when traffic is not watched — the bake then judges health only.
    public var traffic: [SlotName: TrafficWindow.Summary]
    /// Whether each backing service (by name) accepted a connection in this observation;
    /// absent for one with no running container.
    public var serviceProbes: [String: ProbeResult]
    /// The environment's volumes, observed only while it is deleted with its data.
    public var volumes: [VolumeInfo]
    /// When each service with a `backup:` schedule was last backed up (absent: never).
    public var lastBackups: [String: Date]

    public init(
        state: EnvironmentState, containers: [ContainerInfo] = [], site: ManagedSite? = nil,
        probes: [SlotName: ProbeResult] = [:], now: Date, previewDomain: Hostname? = nil, node: NodeName? = nil,
        proxyProblem: String? = nil, storeID: String? = nil, retiring: Set<String> = [],
        lastPassError: String? = nil, publishAddress: String = "127.0.0.1", certificates: [ServedCertificate] = [],
        traffic: [SlotName: TrafficWindow.Summary] = [:], serviceProbes: [String: ProbeResult] = [:], volumes: [VolumeInfo] = [],
        lastBackups: [String: Date] = [:]
    ) {
        self.lastBackups = lastBackups
        self.serviceProbes = serviceProbes
        self.volumes = volumes
        self.traffic = traffic
        self.certificates = certificates
        self.lastPassError = lastPassError
        self.publishAddress = publishAddress
        self.retiring = retiring
        self.storeID = storeID
        self.proxyProblem = proxyProblem
        self.node = node
        self.state = state
        self.containers = containers
        self.site = site
        self.probes = probes
        self.now = now
        self.previewDomain = previewDomain
    }

    public var key: EnvironmentKey { state.key }

    /// The containers a pass acts on: all but those the executor is already retiring.
    public var actionable: [ContainerInfo] { containers.filter { !retiring.contains($0.id) } }
}
