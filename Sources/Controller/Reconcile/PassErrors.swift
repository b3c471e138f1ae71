import State
import Synchronization

/// The last failed pass of each environment, until one succeeds: what the planner names as the
/// cause when a rollout runs out of time (a container Docker would not start never answers a
/// probe). In memory: only the controller holding an environment runs its passes.
public final class PassErrors: Sendable {
    private let errors = Mutex<[EnvironmentKey: String]>([:])

    public init() {}

    public subscript(key: EnvironmentKey) -> String? {
        errors.withLock { $0[key] }
    }

    func failed(_ key: EnvironmentKey, _ error: any Error) {
        let message = (error as? ExecutionError)?.underlying ?? "\(error)"
        errors.withLock { $0[key] = message }
    }

    func succeeded(_ key: EnvironmentKey) {
        _ = errors.withLock { $0.removeValue(forKey: key) }
    }
}
