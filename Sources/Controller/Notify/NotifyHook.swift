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
    /// The wait before the first retry; it doubles for each next one, up to `maxBackoff`.
    public var backoff: Duration
    /// Whether the receiver may be on a loopback, link-local or private address (the operator's
    /// own network); off by default, so a team's hook cannot reach the controller's host.
    public var allowPrivate: Bool

    /// The longest wait between two attempts, however many there are.
    public static let maxBackoff: Duration = .seconds(300)

    public init(team: ResourceName, url: URL, events: Set<DeployNotice.Event> = Set(DeployNotice.Event.allCases), secret: String? = nil,
                attempts: Int = 5, backoff: Duration = .seconds(1), allowPrivate: Bool = false) {
        self.team = team
        self.url = url
        self.events = events
        self.secret = secret
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.allowPrivate = allowPrivate
    }

    /// The wait before attempt `attempt` (2, 3, …): `backoff` doubled per earlier retry, capped.
    public func delay(before attempt: Int) -> Duration {
        min(backoff * (1 << min(max(attempt - 2, 0), 20)), Self.maxBackoff)
    }

    /// The URL as it may be shown: scheme and host only (a webhook's path often is its secret).
    public var shownURL: String {
        "\(url.scheme ?? "http")://\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? "")/…"
    }
}
