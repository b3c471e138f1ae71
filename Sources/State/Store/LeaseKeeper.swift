import Foundation
import Spec

/// Which controller acts on an environment when several share one store: one holder at a time,
/// and a holder that stops renewing (it died, or lost the database) loses the lease after `ttl`.
public protocol LeaseKeeper: Sendable {
    /// This controller's host.
    var node: NodeName { get }
    /// How long a lease lasts without renewal: the bound on a takeover after a crash.
    var leaseTTL: Duration { get }
    /// Takes the lease on `key`, or renews it when this controller holds it already.
    func acquire(_ key: EnvironmentKey) async throws -> LeaseOutcome
    /// Gives the lease up, if this controller holds it (the environment moved off this node).
    func release(_ key: EnvironmentKey) async throws
}

public enum LeaseOutcome: Sendable, Hashable {
    case held
    /// Another controller holds it, on this node.
    case heldElsewhere(node: String)
}

/// The only controller of its store (the file store, one host): it always acts.
public struct SoleController: LeaseKeeper {
    public let node: NodeName
    public var leaseTTL: Duration { .seconds(3600) }

    public init(node: NodeName) {
        self.node = node
    }

    public func acquire(_ key: EnvironmentKey) async throws -> LeaseOutcome { .held }
    public func release(_ key: EnvironmentKey) async throws {}
}

extension NodeName {
    /// This host's name up to the first dot, lower-cased: the default `--node`. Falls back to
    /// `localhost` when the host name is not a valid node name.
    public static var local: NodeName {
        let name = ProcessInfo.processInfo.hostName.split(separator: ".").first.map { String($0).lowercased() } ?? ""
        return (try? NodeName(parsing: name)) ?? (try! NodeName(parsing: "localhost"))
    }
}
