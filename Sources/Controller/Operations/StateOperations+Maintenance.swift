import Foundation
import Spec
import State

extension StateOperations {
    /// Turns maintenance on (or changes its message) or off; returns what it is now. Only the
    /// site changes: the next pass writes its route files (no Caddy reload with route files).
    @discardableResult
    public func setMaintenance(_ key: EnvironmentKey, _ maintenance: Maintenance?) async throws -> Maintenance? {
        try await store.update(key) { state, _ in
            guard var current = state, !current.deleting else {
                throw StoreError(.notFound, "\(key) does not exist")
            }
            // Turned on again with another message: it has been in maintenance since the first time.
            current.maintenance = maintenance.map { wanted in
                var kept = wanted
                if let since = current.maintenance?.since { kept.since = since }
                return kept
            }
            state = current
            return current.maintenance
        }
    }
}

extension StateOperations {
    /// Records a restore for the reconciler to carry out; one already in flight is refused.
    public func requestRestore(_ key: EnvironmentKey, _ restore: ServiceRestore) async throws {
        try await store.update(key) { state, _ in
            guard var current = state, !current.deleting else { throw StoreError(.notFound, "\(key) does not exist") }
            if let running = current.restore, running.failure == nil {
                throw StoreError(.conflict, "a restore of \(running.service) from \(running.backup) is under way; wait for it")
            }
            current.restore = restore
            state = current
        }
    }
}
