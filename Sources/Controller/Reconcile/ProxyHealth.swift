import Drivers
import State
import Synchronization

/// What the controller last saw of its proxy: nil while Caddy answers, else why not. Kept
/// apart from the store because it describes this host, not an environment's desired state;
/// every pass puts it into its `PlanInput`, so each environment's Degraded condition says so.
public final class ProxyHealth: Sendable {
    private let problem = Mutex<String?>(nil)

    public init() {}

    /// Why the proxy is not serving, or nil.
    public var current: String? { problem.withLock { $0 } }

    /// Records a check's outcome; true when that changes what environments should report.
    @discardableResult
    public func record(_ newProblem: String?) -> Bool {
        problem.withLock { old in
            defer { old = newProblem }
            return (old == nil) != (newProblem == nil)
        }
    }

    /// Checks `router` once and records the outcome; true on a change.
    public func check(_ router: any TrafficRouter) async -> Bool {
        do {
            try await router.check()
            return record(nil)
        } catch {
            return record("\(error) — traffic through it is down; codeb keeps the site files and serves again as soon as Caddy is back")
        }
    }
}
