import Spec

/// Where desired and recorded state lives. `FileStore` (embedded, one host) and `PostgresStore`
/// (shared by several controllers) implement it and pass one conformance suite.
public protocol Store: Sendable {
    /// Every environment the store knows.
    func keys() async throws -> [EnvironmentKey]

    /// One environment, or nil.
    func load(_ key: EnvironmentKey) async throws -> EnvironmentState?

    /// Reads, changes and writes one environment atomically: no other write to any environment
    /// happens in between, so `claims` (every other environment's ports and domains) stays true.
    /// Setting the state to nil removes the environment. Nothing is written when `body` throws.
    func update<T: Sendable>(
        _ key: EnvironmentKey, _ body: @escaping @Sendable (inout EnvironmentState?, Claims) throws -> T
    ) async throws -> T

    /// The keys of environments as they change (apply, promote, rollback, delete, slot updates).
    func changes() -> AsyncStream<EnvironmentKey>

    /// A random id made when the store was created. Containers carry it (`codeb.store`), so the
    /// orphan sweep removes only containers this store's controllers made, never those of
    /// another controller (another store) sharing the Docker host.
    func identity() async throws -> String
}

/// What other environments hold: domains (written and generated preview hostnames) and name
/// prefixes are each owned by one environment, a project by one team, and a port by one
/// environment per node.
public struct Claims: Sendable, Hashable {
    /// Who holds each port, and on which nodes: one port may be held on several nodes by
    /// environments placed on different nodes.
    public var ports: [Int: [PortClaim]]
    public var domains: [Hostname: EnvironmentKey]
    /// The team of the project's other environments, if it has any.
    public var projectTeam: ResourceName?
    /// The name prefix `{project}-{environment}` of every other environment: container and site
    /// names are built from it, so two environments whose prefixes concatenate alike
    /// (`web`/`preview-production` and `web-preview`/`production`) cannot coexist.
    public var stems: [String: EnvironmentKey]

    public init(
        ports: [Int: [PortClaim]] = [:], domains: [Hostname: EnvironmentKey] = [:], projectTeam: ResourceName? = nil,
        stems: [String: EnvironmentKey] = [:]
    ) {
        self.ports = ports
        self.domains = domains
        self.projectTeam = projectTeam
        self.stems = stems
    }

    /// Records that `key`, placed on `nodes` (none: any node), holds `port`.
    public mutating func claim(_ port: Int, by key: EnvironmentKey, on nodes: [NodeName]) {
        ports[port, default: []].append(PortClaim(key: key, nodes: nodes))
    }

    /// The ports other environments hold on any node an environment placed on `nodes` may run
    /// on. No nodes means any node, which every claim shares.
    public func portsHeld(on nodes: [NodeName]) -> Set<Int> {
        Set(ports.filter { $0.value.contains { $0.overlaps(nodes) } }.keys)
    }
}

/// One environment's hold on a port.
public struct PortClaim: Sendable, Hashable {
    public var key: EnvironmentKey
    /// Where the environment may run; empty: any node.
    public var nodes: [NodeName]

    public init(key: EnvironmentKey, nodes: [NodeName]) {
        self.key = key
        self.nodes = nodes
    }

    /// Whether an environment on `other` nodes could run on a node this one runs on.
    public func overlaps(_ other: [NodeName]) -> Bool {
        nodes.isEmpty || other.isEmpty || !Set(nodes).isDisjoint(with: other)
    }
}

/// Why the store could not do what was asked.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Another controller holds the state directory (or database lease).
        case locked
        /// A state file cannot be read or decoded.
        case corrupt
        /// The disk or database refused a write.
        case io
        /// A domain or port is held by another environment, or a generation is stale.
        case conflict
        /// No such environment, or nothing to roll back to / promote.
        case notFound
        /// The request does not make sense in the current state (e.g. rollback without a grace slot).
        case invalid
        /// The environment's port range has no free pair.
        case exhausted
        /// The team would exceed a quota of the controller's.
        case quotaExceeded
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
