import Spec
import State
import Synchronization

/// The environments a `PostgresStore` has read, kept while its LISTEN connection is up: every
/// committed change is announced there (by this controller or another), and the announcement
/// drops the key before anyone hears of the change, so a pass of a converged environment reads
/// no row. Without the connection nothing is cached (a change could be missed).
final class StateCache: Sendable {
    private struct Entries {
        var states: [EnvironmentKey: EnvironmentState?] = [:]
        /// Bumped by every drop, so a read that started before one does not store a stale state.
        var epoch = 0
        var enabled = false
    }

    private let entries = Mutex(Entries())

    /// The cached state (`.some(nil)`: known absent), or nil when it must be read.
    func get(_ key: EnvironmentKey) -> EnvironmentState?? {
        entries.withLock { $0.enabled ? $0.states[key] : nil }
    }

    /// The epoch to pass to `put` for a read starting now.
    var epoch: Int { entries.withLock { $0.epoch } }

    /// Keeps what a read that started at `epoch` found, unless something changed since.
    func put(_ key: EnvironmentKey, _ state: EnvironmentState?, readAt epoch: Int) {
        entries.withLock { entries in
            guard entries.enabled, entries.epoch == epoch else { return }
            entries.states[key] = .some(state)
        }
    }

    /// A change of `key` was committed (here or by another controller).
    func drop(_ key: EnvironmentKey) {
        entries.withLock { entries in
            entries.epoch += 1
            entries.states[key] = nil
        }
    }

    /// Starts caching (the LISTEN connection is up) or stops and forgets everything (it broke).
    func setEnabled(_ enabled: Bool) {
        entries.withLock { entries in
            entries.epoch += 1
            entries.states.removeAll()
            entries.enabled = enabled
        }
    }
}
