import Foundation
import Spec

/// One webhook of the controller's `notify:` setting: a team's URL and the events it wants.
public struct NotifyHook: Sendable, Hashable {
    public var team: ResourceName
    public var url: URL
    public var events: Set<DeployNotice.Event>
    /// Signs each body (`X-Codeb-Signature: sha256=<HMAC-SHA256 hex>`) when set.
    public var secret: String?
    /// Tries per notice (the first and the retries).
    public var attempts: Int
    /// The wait before the first retry; it doubles for each next one.
    public var backoff: Duration

    public init(team: ResourceName, url: URL, events: Set<DeployNotice.Event> = Set(DeployNotice.Event.allCases), secret: String? = nil,
                attempts: Int = 5, backoff: Duration = .seconds(1)) {
        self.team = team
        self.url = url
        self.events = events
        self.secret = secret
        self.attempts = max(1, attempts)
        self.backoff = backoff
    }

    /// The URL as it may be shown: scheme and host only (a webhook's path often is its secret).
    public var shownURL: String {
        "\(url.scheme ?? "http")://\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? "")/…"
    }
}
