import Foundation

/// A restore asked for (`codeb backup restore`): the reconciler replaces the service's volume
/// with the backup's content, then clears this — or keeps it with `failure` when the backup
/// cannot be used (nothing was changed then).
public struct ServiceRestore: Sendable, Hashable, Codable {
    public var service: String
    public var backup: String
    public var requestedAt: Date
    /// The key that asked, by name.
    public var by: String
    public var failure: String?

    public init(service: String, backup: String, requestedAt: Date, by: String, failure: String? = nil) {
        self.service = service
        self.backup = backup
        self.requestedAt = requestedAt
        self.by = by
        self.failure = failure
    }
}
