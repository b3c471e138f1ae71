import Foundation
import Synchronization

/// The last outcome of each service's backups in this process, for `/readyz`'s `backups` line
/// (which `codeb doctor` reads): failing ones by name with their last reason — a team's project
/// and service names, never a value (as the other lines of an authenticated operator's view).
public final class BackupHealth: Sendable {
    public static let shared = BackupHealth()

    /// The last reason of each failing service.
    private let failing = Mutex<[String: String]>([:])

    public init() {}

    func succeeded(_ service: String) { _ = failing.withLock { $0.removeValue(forKey: service) } }

    func failed(_ service: String, _ reason: String) { failing.withLock { $0[service] = reason } }

    /// `ok`, or `2 failing: acme/shop/production/db: …; …`.
    public var summary: String {
        let now = failing.withLock { $0 }
        guard !now.isEmpty else { return "ok" }
        let listed = now.sorted { $0.key < $1.key }.prefix(5).map { "\($0.key): \($0.value)" }.joined(separator: "; ")
        return "\(now.count) failing: \(listed)\(now.count > 5 ? "; …" : "")"
    }
}
