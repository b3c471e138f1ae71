import Foundation
import State

/// How a blue/green switch reaches Caddy.
public enum SwitchMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The environment's upstreams are read per request from small route files (`{file.*}`
    /// placeholders, Caddy ≥ 2.8): a switch renames a few bytes and Caddy's configuration,
    /// and every connection of every other site, stay as they are.
    case file
    /// The upstreams are written into the site file and Caddy reloads its configuration.
    case reload
}

/// What the operator asked for: a mode, or `auto` — file when this Caddy evaluates `{file.*}`,
/// else reload (with a warning).
public enum SwitchSetting: String, Sendable, Hashable, Codable, CaseIterable {
    case auto, file, reload
}

/// The route files of one environment, in `{sites}/routes/`: the upstream host, the active and
/// the fallback port (each a few bytes, replaced by rename), and the record of the whole site
/// they were written for (written last: a controller killed between the files leaves a record
/// that does not match them, which the next pass rewrites).
public struct RouteFiles: Sendable, Hashable {
    public var host: String
    public var active: String
    public var fallback: String
    public var record: String
    /// `on` or `off`, the message and the `Retry-After` seconds of maintenance: read per
    /// request too, so turning it on or off reloads nothing either.
    public var maintenance: String
    public var message: String
    public var retryAfter: String

    public init(sitesDirectory: String, key: EnvironmentKey) {
        let base = Self.directory(sitesDirectory) + "/" + key.stem
        host = base + ".host"
        active = base + ".active"
        fallback = base + ".fallback"
        record = base + ".route"
        maintenance = base + ".maintenance"
        message = base + ".message"
        retryAfter = base + ".retry"
    }

    public static func directory(_ sitesDirectory: String) -> String { sitesDirectory + "/routes" }

    /// In write order: a switch changes the fallback, then the active port, then the record;
    /// maintenance's message and retry before its flag.
    public var all: [String] { [host, fallback, active, message, retryAfter, maintenance, record] }

    /// What each file holds for `site`, or nil when the site's main route cannot switch by file
    /// (no upstream yet, more than two, or upstreams on different hosts): it is then written
    /// into the site file.
    public func contents(for site: SiteConfig) -> [String: Data]? {
        guard let upstreams = Self.switchable(site) else { return nil }
        return [
            host: Data(upstreams[0].host.utf8),
            active: Data(String(upstreams[0].port).utf8),
            fallback: Data(String(upstreams[upstreams.count - 1].port).utf8),
            maintenance: Data((site.maintenance == nil ? "off" : "on").utf8),
            message: Data((site.maintenance?.message ?? Maintenance.defaultMessage).utf8),
            retryAfter: Data(String(site.maintenance?.retryAfter ?? Maintenance.defaultRetryAfter).utf8),
            record: Data(CaddySiteRenderer.encode(site).utf8),
        ]
    }

    /// The main route's upstreams when they can be read from route files.
    static func switchable(_ site: SiteConfig) -> [Upstream]? {
        guard let upstreams = site.routes.first?.upstreams, (1...2).contains(upstreams.count),
              Set(upstreams.map(\.host)).count == 1
        else { return nil }
        return upstreams
    }

    /// The part of `site` its site file holds when its upstreams live in route files: the same
    /// site with no revision, hash or main-route upstreams, so a switch leaves it unchanged.
    static func shape(of site: SiteConfig) -> SiteConfig {
        var shape = site
        shape.revision = 0
        shape.hash = ""
        shape.routes[0].upstreams = []
        shape.maintenance = nil
        return shape
    }
}
