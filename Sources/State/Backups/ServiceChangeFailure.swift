import Foundation

/// A change of a service (a new image…) that did not come up and was undone: the old container
/// runs again on the same volume. Kept so that exact change is not tried again until a new apply.
public struct ServiceChangeFailure: Sendable, Hashable, Codable {
    /// The service spec's hash that failed.
    public var hash: String
    public var reason: String
    public var at: Date

    public init(hash: String, reason: String, at: Date) {
        self.hash = hash
        self.reason = reason
        self.at = at
    }
}
