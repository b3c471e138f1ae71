import Spec

/// The controller's view of the reverse proxy: one site file per project/environment, changed
/// in batches that take effect together. `CaddyRouter` is the real implementation.
public protocol TrafficRouter: Sendable {
    /// Checks the proxy answers and its main configuration includes the sites directory.
    func check() async throws

    /// The site files codeb manages; files without codeb's header are not listed.
    func listSites() async throws -> [ManagedSite]

    /// The managed site of one environment, if it has one: what a pass reads, at the cost of
    /// that environment's files only.
    func site(_ key: EnvironmentKey) async throws -> ManagedSite?

    /// The exact file content `site` renders to, for comparing against what is on disk.
    func render(_ site: SiteConfig) -> String

    /// Writes and removes site files, then makes the proxy load them with **one** reload. If the
    /// proxy rejects the result, every file is restored and the proxy keeps its old config.
    func apply(_ changes: [SiteChange]) async throws -> SiteApplyReport

    /// Returns once requests for `site`'s domains, sent through the proxy's own listener, are
    /// answered by its first upstream (the active slot) — a promotion is done only then: after a
    /// reload the old configuration can still answer new connections for a moment. `path` is
    /// what the probe asks for (the health check's). Throws `.unconfirmed` naming what answered
    /// instead when the deadline passes. Over HTTPS, a domain whose certificate is not issued
    /// yet is waited for longer (`waiting` hears it); one that does not come in time ends as
    /// `.certificatePending`: live over the route, not over verified TLS.
    func confirm(_ site: SiteConfig, path: String, waiting: @escaping @Sendable (String?) async -> Void) async throws -> ConfirmOutcome

    /// What the proxy serves over HTTPS for each of `domains` (read by handshake, cached
    /// briefly); empty when sites are served as plain HTTP. `internalCA`: the domains are
    /// `tls: internal`, so the proxy's own root is trusted for them too.
    func certificates(for domains: [Hostname], internalCA: Bool) async -> [ServedCertificate]
}

/// How a confirmation ended when it did not throw.
public enum ConfirmOutcome: Sendable, Hashable {
    /// Requests through the proxy reach the new upstream (over verified TLS, with HTTPS).
    case confirmed
    /// The route is in place, but no certificate that verifies was served for `domain` in time.
    case certificatePending(domain: Hostname, detail: String)
}

extension TrafficRouter {
    /// Certificates of domains served from a public CA.
    public func certificates(for domains: [Hostname]) async -> [ServedCertificate] {
        await certificates(for: domains, internalCA: false)
    }

    /// A confirmation nobody follows the progress of.
    @discardableResult
    public func confirm(_ site: SiteConfig, path: String) async throws -> ConfirmOutcome {
        try await confirm(site, path: path, waiting: { _ in })
    }
}

/// Where a site's traffic goes: a local port, tried in order (active first, grace second).
public struct Upstream: Sendable, Hashable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}

/// One block of a site file: the domains it answers for and where it sends them. No upstreams
/// means the environment has no live version yet; the block answers 503 saying so.
public struct SiteRoute: Sendable, Hashable, Codable {
    public var domains: [Hostname]
    public var upstreams: [Upstream]

    public init(domains: [Hostname], upstreams: [Upstream]) {
        self.domains = domains
        self.upstreams = upstreams
    }
}

/// Everything a site file says, and what its header records.
public struct SiteConfig: Sendable, Hashable, Codable {
    public var key: EnvironmentKey
    /// The revision and template hash that are live; written into the header.
    public var revision: Int
    public var hash: String
    /// The environment's domains first, then per-slot preview domains.
    public var routes: [SiteRoute]
    /// `internal`: certificates from the proxy's own CA (nil: a public CA, as before this existed,
    /// so a site file written then reads back equal).
    public var tls: TLSPolicy?
    /// Whether every answer carries `Strict-Transport-Security` (nil: no).
    public var hsts: Bool?
    /// While the environment is in maintenance: the main route answers 503 with it.
    public var maintenance: SiteMaintenance?

    public init(key: EnvironmentKey, revision: Int, hash: String, routes: [SiteRoute], tls: TLSPolicy? = nil, hsts: Bool? = nil) {
        self.key = key
        self.revision = revision
        self.hash = hash
        self.routes = routes
        self.tls = tls == .auto ? nil : tls
        self.hsts = hsts == true ? true : nil
    }
}

/// What the main route answers while the environment is in maintenance.
public struct SiteMaintenance: Sendable, Hashable, Codable {
    public var message: String
    public var retryAfter: Int

    public init(message: String, retryAfter: Int) {
        self.message = message
        self.retryAfter = retryAfter
    }
}

/// A change for one site file: write `site`, or remove the file when nil.
public struct SiteChange: Sendable, Hashable {
    public var key: EnvironmentKey
    public var site: SiteConfig?

    public static func write(_ site: SiteConfig) -> SiteChange { SiteChange(key: site.key, site: site) }
    public static func remove(_ key: EnvironmentKey) -> SiteChange { SiteChange(key: key, site: nil) }
}

/// A managed site file as found on disk.
public struct ManagedSite: Sendable, Hashable {
    public var key: EnvironmentKey
    public var revision: Int?
    public var hash: String?
    public var path: String
    public var content: String
    /// What the file was rendered from, read back from its header.
    public var config: SiteConfig?
    /// Whether the file is exactly what `config` renders to; false after a hand edit.
    public var intact: Bool

    public init(key: EnvironmentKey, revision: Int?, hash: String?, path: String, content: String, config: SiteConfig?, intact: Bool) {
        self.key = key
        self.revision = revision
        self.hash = hash
        self.path = path
        self.content = content
        self.config = config
        self.intact = intact
    }
}

/// What one `apply` did.
public struct SiteApplyReport: Sendable, Hashable {
    public var written: [EnvironmentKey]
    public var removed: [EnvironmentKey]
    /// Whether the proxy was reloaded (false when nothing changed on disk).
    public var reloaded: Bool
    /// How long the reload took, when there was one.
    public var reloadDuration: Duration?

    public init(written: [EnvironmentKey] = [], removed: [EnvironmentKey] = [], reloaded: Bool = false, reloadDuration: Duration? = nil) {
        self.written = written
        self.removed = removed
        self.reloaded = reloaded
        self.reloadDuration = reloadDuration
    }
}

/// Why the proxy could not be used or did not accept a change.
public struct RouterError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The admin API cannot be reached.
        case unavailable
        /// The main configuration is missing, unreadable or does not import the sites dir.
        case misconfigured
        /// The proxy refused the new configuration; the old one keeps serving.
        case rejected
        /// A file in the way is not codeb's (no managed header), or the sites dir cannot be written.
        case fileConflict
        /// Traffic through the proxy did not reach the new upstream in time.
        case unconfirmed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension TrafficRouter {
    /// Reads every site and picks one; a router that can read one site alone says so itself.
    public func site(_ key: EnvironmentKey) async throws -> ManagedSite? {
        try await listSites().first { $0.key == key }
    }
}
