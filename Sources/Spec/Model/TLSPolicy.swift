/// Where an environment's certificates come from: `auto` — a public CA, issued by Caddy (the
/// default); `internal` — Caddy's own local CA, for intranets and hosts the public cannot reach
/// (clients must trust Caddy's root; codeb's checks do, reading it from Caddy).
public enum TLSPolicy: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case auto
    case `internal`

    public var description: String { rawValue }
}
