import Foundation

/// Which environment's traffic to count, and which of its slots is on which port: requests are
/// credited by the upstream port the proxy dialed.
public struct TrafficTarget: Sendable, Hashable {
    public var team: String
    public var key: EnvironmentKey
    /// The port each slot with a container is on.
    public var ports: [SlotName: Int]
    /// A slot is being baked: new requests to it are news the reconcile loop wants at once.
    public var baking: Bool

    public init(team: String, key: EnvironmentKey, ports: [SlotName: Int], baking: Bool = false) {
        self.team = team
        self.key = key
        self.ports = ports
        self.baking = baking
    }
}

/// Real users' requests per slot, as the proxy served them (health and confirmation probes
/// excluded). `CaddyAccessLogs` reads Caddy's access logs; tests use a fake.
public protocol TrafficSource: Sendable {
    /// Why traffic is not watched on this host, or nil when it is.
    func unwatched() async -> String?

    /// Counts `target`'s traffic from now on (its ports as given, until the next call), and
    /// returns what each slot in `since` answered from that moment to `until`.
    func traffic(_ target: TrafficTarget, since: [SlotName: Date], until: Date) async -> [SlotName: TrafficWindow.Summary]

    /// What each slot of an environment already counted met (nothing for one not counted):
    /// by the slots' `ports`, with `since` the switch of a baking slot. Reads nothing new.
    func report(_ key: EnvironmentKey, ports: [SlotName: Int], since: [SlotName: Date], now: Date) async -> [SlotName: SlotTraffic]

    /// Stops counting an environment's traffic (it was deleted).
    func forget(_ key: EnvironmentKey) async

    /// Reads what was logged since the last call; returns the environments a baking slot of
    /// which answered new requests.
    func poll() async -> Set<EnvironmentKey>
}
