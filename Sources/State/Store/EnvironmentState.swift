import Foundation
import Spec

/// Everything the store keeps about one environment.
public struct EnvironmentState: Sendable, Hashable, Codable {
    public var key: EnvironmentKey
    public var team: ResourceName
    public var ports: PortPair
    /// Every revision, oldest first; the last one is what is wanted.
    public var revisions: [Revision]
    public var blue: SlotRecord
    public var green: SlotRecord
    /// The revision `codeb promote` approved (for `promote: manual`).
    public var promotionApproved: Int?
    /// The bake `codeb promote --bake` asked for that revision (its spec's, or the default when
    /// the spec has none).
    public var promotionBake: BakePolicy?
    /// Set by delete: the loop removes containers and the site, then the record itself.
    public var deleting: Bool
    /// Set by `delete --purge-data` (and for every preview instance): its backing services'
    /// volumes go too. Nil or false: they are kept, for a later apply to find again.
    public var purgeData: Bool?
    /// A backup being restored into one of its services.
    public var restore: ServiceRestore?
    /// Service changes that were undone, by service name.
    public var serviceFailures: [String: ServiceChangeFailure]?
    public var status: EnvironmentStatus
    /// The preview hostnames the controller generates for this environment
    /// (`{environment}.{project}.{previewDomain}`, `{slot}-{environment}-{project}.{previewDomain}`),
    /// claimed like written domains so no other environment can name them. Nil in state written
    /// before they were claimed, until the next apply.
    public var generatedHostnames: [Hostname]?
    /// While its domains answer 503 on purpose (`codeb maintenance on`).
    public var maintenance: Maintenance?

    public init(key: EnvironmentKey, team: ResourceName, ports: PortPair) {
        self.key = key
        self.team = team
        self.ports = ports
        self.revisions = []
        self.blue = .empty(.blue, port: ports.blue)
        self.green = .empty(.green, port: ports.green)
        self.promotionApproved = nil
        self.deleting = false
        self.status = EnvironmentStatus()
    }

    /// The latest revision number; 0 before the first apply.
    public var generation: Int { revisions.last?.number ?? 0 }

    public var desired: Revision? { revisions.last }

    public func revision(_ number: Int?) -> Revision? {
        guard let number else { return nil }
        return revisions.first { $0.number == number }
    }

    public subscript(slot: SlotName) -> SlotRecord {
        get { slot == .blue ? blue : green }
        set { if slot == .blue { blue = newValue } else { green = newValue } }
    }

    public var slots: [SlotRecord] { [blue, green] }

    /// The nodes it is placed on (its latest spec's `nodes`); empty: any node.
    public var nodes: [NodeName] { desired?.spec.nodes ?? [] }

    /// Every hostname this environment holds: its spec's domains, then the generated ones.
    public var claimedHostnames: [Hostname] {
        var seen = Set<Hostname>()
        return ((desired?.spec.domains ?? []) + (generatedHostnames ?? [])).filter { seen.insert($0).inserted }
    }
}
