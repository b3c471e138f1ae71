import Foundation
import State
import Synchronization

/// What a controller read from PostgreSQL, kept only while its LISTEN connection is up: every
/// committed change is announced there (by this controller or another), and the announcement
/// drops what it changed before anyone acts on it, so an unchanged read costs no row. Without
/// the connection nothing is kept (a change could be missed). A read that started before a
/// drop does not store what it found (the epoch moved); `ttl` bounds what a missed
/// announcement could cost where that matters.
public final class ChangeFeedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entries {
        var values: [Key: (value: Value, at: ContinuousClock.Instant)] = [:]
        /// Bumped by every drop, so a read that started before one does not store a stale value.
        var epoch = 0
        var enabled = false
    }

    public let ttl: Duration?
    private let entries = Mutex(Entries())

    public init(ttl: Duration? = nil) {
        self.ttl = ttl
    }

    /// The kept value, or nil when it must be read.
    func get(_ key: Key) -> Value? {
        entries.withLock { entries in
            guard entries.enabled, let entry = entries.values[key] else { return nil }
            if let ttl, ContinuousClock.now - entry.at >= ttl {
                entries.values[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// The epoch to pass to `put` for a read starting now.
    var epoch: Int { entries.withLock { $0.epoch } }

    /// Keeps what a read that started at `epoch` found, unless something changed since.
    func put(_ key: Key, _ value: Value, readAt epoch: Int) {
        entries.withLock { entries in
            guard entries.enabled, entries.epoch == epoch else { return }
            entries.values[key] = (value, .now)
        }
    }

    /// A change of `key` was committed (here or by another controller).
    func drop(_ key: Key) {
        entries.withLock { entries in
            entries.epoch += 1
            entries.values[key] = nil
        }
    }

    /// Changes were committed that may touch any key.
    public func clear() {
        entries.withLock { entries in
            entries.epoch += 1
            entries.values.removeAll()
        }
    }

    /// Starts keeping (the LISTEN connection is up) or stops and forgets everything (it broke).
    func setEnabled(_ enabled: Bool) {
        entries.withLock { entries in
            entries.epoch += 1
            entries.values.removeAll()
            entries.enabled = enabled
        }
    }
}

/// The environments a `PostgresStore` has read (`.some(nil)`: known absent).
typealias StateCache = ChangeFeedCache<EnvironmentKey, EnvironmentState?>

/// API keys looked up by hash, for 30 s at most; a revocation or a team's removal anywhere is
/// announced and empties it before the next request is authenticated. Unknown hashes are not
/// kept (garbage keys cannot grow it).
public typealias KeyCache = ChangeFeedCache<String, KeyRecord>
