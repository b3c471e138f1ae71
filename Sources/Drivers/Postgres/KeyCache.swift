import Foundation
import State
import Synchronization

/// API keys a controller has looked up by hash, kept for a short time while the LISTEN
/// connection is up: a revocation or a team's removal anywhere is announced there and empties
/// the cache before the next request is authenticated, so a revoked key stops at once on
/// every controller; the TTL bounds what a missed announcement could cost. Unknown hashes are
/// not kept (garbage keys cannot grow it).
public final class KeyCache: Sendable {
    private struct Entries {
        var records: [String: (record: KeyRecord, at: ContinuousClock.Instant)] = [:]
        var epoch = 0
        var enabled = false
    }

    public let ttl: Duration
    private let entries = Mutex(Entries())

    public init(ttl: Duration = .seconds(30)) {
        self.ttl = ttl
    }

    func get(hash: String) -> KeyRecord? {
        entries.withLock { entries in
            guard entries.enabled, let entry = entries.records[hash] else { return nil }
            guard ContinuousClock.now - entry.at < ttl else {
                entries.records[hash] = nil
                return nil
            }
            return entry.record
        }
    }

    var epoch: Int { entries.withLock { $0.epoch } }

    /// Keeps what a read that started at `epoch` found, unless keys changed since.
    func put(_ record: KeyRecord, readAt epoch: Int) {
        entries.withLock { entries in
            guard entries.enabled, entries.epoch == epoch else { return }
            entries.records[record.hash] = (record, .now)
        }
    }

    /// Keys changed (here or on another controller).
    public func clear() {
        entries.withLock { entries in
            entries.epoch += 1
            entries.records.removeAll()
        }
    }

    /// Starts caching (LISTEN is up) or stops and forgets everything (it broke).
    func setEnabled(_ enabled: Bool) {
        entries.withLock { entries in
            entries.epoch += 1
            entries.records.removeAll()
            entries.enabled = enabled
        }
    }
}
