import Foundation
import Spec
import State

/// Renders a `SiteConfig` into a Caddyfile site file, and reads the header back.
///
/// Pure and deterministic: the same input renders byte-identically, so "has the file drifted?"
/// is a string comparison. Everything interpolated is a validated `Hostname`, `EnvironmentKey`, port or
/// hash, none of which can contain whitespace, braces, quotes or line breaks.
public struct CaddySiteRenderer: Sendable, Hashable {
    /// How site addresses are written.
    public enum AddressMode: Sendable, Hashable {
        /// Bare domains: Caddy provisions HTTPS certificates itself.
        case automaticHTTPS
        /// `http://{domain}:{port}`: for local hosts, hosts behind a TLS-terminating balancer, and tests.
        case plainHTTP(port: Int)
    }

    public static let headerPrefix = "# managed by codeb"
    /// The line that carries the rendered `SiteConfig` as JSON, so a file can be read back and
    /// a hand edit told apart from a different config.
    static let sitePrefix = "# codeb-site:"
    /// The request header that marks codeb's confirmation probe (its value the controller's
    /// `probeToken`), and the response header that then names the upstream that answered.
    public static let probeHeader = "X-Codeb-Probe"
    public static let upstreamHeader = "X-Codeb-Upstream"
    static let publicMatcher = "codeb_public"
    /// The header field that says the main route's upstreams are in route files.
    static let routesField = "routes"

    public var addressMode: AddressMode
    /// How long Caddy keeps trying upstreams (active, then grace) for one request.
    public var tryDuration: Duration
    public var tryInterval: Duration
    /// How long a failed upstream is skipped (passive health). Short, because Caddy keeps this
    /// across reloads: a repaired active container gets its traffic back (from the grace slot)
    /// within it, and a refused connect on loopback costs next to nothing.
    public var failDuration: Duration
    /// The value of `X-Codeb-Probe` that makes Caddy name the upstream: a secret of the
    /// controller's, so nobody else learns which host:port serves a site (`ProbeToken`).
    public var probeToken: String
    /// With automatic HTTPS, a route whose hostnames are all under this domain (the preview
    /// domain) gets its certificates on demand: at the first handshake, after Caddy asks the
    /// controller (`on_demand_tls { ask … }` in the main Caddyfile) — not at load for every
    /// preview name. Nil: certificates at load.
    public var onDemandUnder: Hostname?
    /// Where each site's main route writes its JSON access log (`{stem}.log`), which the
    /// controller follows for traffic per slot (`CaddyAccessLogs`); nil: no access log. Only
    /// with route files: `log_append` and `log_skip` are Caddy ≥ 2.8, as `{file.*}` is.
    public var accessLogDirectory: String?

    public init(
        addressMode: AddressMode = .automaticHTTPS, tryDuration: Duration = .seconds(5),
        tryInterval: Duration = .milliseconds(250), failDuration: Duration = .seconds(1),
        probeToken: String = ProbeToken.random(), onDemandUnder: Hostname? = nil
    ) {
        self.onDemandUnder = onDemandUnder
        precondition(ProbeToken.isValid(probeToken), "a probe token is 32 to 128 hex digits")
        self.probeToken = probeToken
        self.addressMode = addressMode
        self.tryDuration = tryDuration
        self.tryInterval = tryInterval
        self.failDuration = failDuration
    }

    /// The site file for `site`. With `routeFiles` (switching by file) and a main route that can
    /// switch by file, the main route reads its upstreams from those files at request time and
    /// the file holds only the site's shape: a switch leaves it byte-identical.
    public func render(_ site: SiteConfig, routeFiles: RouteFiles? = nil) -> String {
        let byFile = routeFiles != nil && RouteFiles.switchable(site) != nil
        let written = byFile ? RouteFiles.shape(of: site) : site
        var lines = [
            "\(Self.headerPrefix): project=\(site.key.project) environment=\(site.key.environment) revision=\(written.revision) hash=\(written.hash.isEmpty ? "-" : written.hash)"
                + (byFile ? " \(Self.routesField)=file" : ""),
            "# codeb rewrites this file; edit codeb.yaml instead.",
            "\(Self.sitePrefix) \(Self.encode(written))",
        ]
        for (index, route) in site.routes.enumerated() where !route.domains.isEmpty {
            lines.append("")
            lines.append(route.domains.map(address).joined(separator: ", ") + " {")
            if case .automaticHTTPS = addressMode {
                if site.tls == .internal {
                    lines.append("\ttls internal")
                } else if onDemand(route) {
                    lines += ["\ttls {", "\t\ton_demand", "\t}"]
                }
                if site.hsts == true { lines.append("\theader Strict-Transport-Security \"max-age=31536000\"") }
            }
            if index == 0, byFile, let routeFiles {
                if let accessLogDirectory { lines += accessLog(Self.accessLogPath(accessLogDirectory, site.key)) }
                lines += maintenance(flag: "{file.\(routeFiles.maintenance)}", message: "{file.\(routeFiles.message)}", retryAfter: "{file.\(routeFiles.retryAfter)}")
                lines += proxy(upstreams: [routeFiles.active, routeFiles.fallback].map { "{file.\(routeFiles.host)}:{file.\($0)}" })
            } else if route.upstreams.isEmpty {
                lines.append("\trespond \"no live version of \(site.key.project)/\(site.key.environment) yet\" 503")
            } else {
                if index == 0, let offline = site.maintenance {
                    lines += maintenance(flag: nil, message: offline.message, retryAfter: String(offline.retryAfter))
                }
                lines += proxy(upstreams: route.upstreams.map(\.description))
            }
            lines.append("}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A `reverse_proxy` to `upstreams`, tried in order.
    private func proxy(upstreams: [String]) -> [String] {
        [
            // The upstream that answered is named only to codeb's confirmation probe, which
            // asks with `X-Codeb-Probe: <token>`: a promotion counts once traffic through Caddy
            // reaches the new slot, not when /load answers or a route file is renamed.
            "\t@\(Self.publicMatcher) not header \(Self.probeHeader) \(probeToken)",
            "\theader @\(Self.publicMatcher) -\(Self.upstreamHeader)",
            "\treverse_proxy " + upstreams.joined(separator: " ") + " {",
            "\t\tlb_policy first",
            "\t\tlb_try_duration \(Self.caddyDuration(tryDuration))",
            "\t\tlb_try_interval \(Self.caddyDuration(tryInterval))",
            "\t\tfail_duration \(Self.caddyDuration(failDuration))",
            "\t\tmax_fails 1",
            "\t\theader_down \(Self.upstreamHeader) {http.reverse_proxy.upstream.hostport}",
            "\t}",
        ]
    }

    /// Maintenance: every request but the controller's probe is answered 503 with `message`
    /// and `Retry-After`. With `flag` (a route file's placeholder) only while it reads `on`, so
    /// the site file is the same on and off; without, the lines are there only while it is on.
    /// The message was checked to hold no brace, quote or backslash (`Maintenance.message(parsing:)`);
    /// a placeholder's file content is inserted as it is, never expanded again.
    func maintenance(flag: String?, message: String, retryAfter: String) -> [String] {
        let matcher = flag.map { ["\t@codeb_maintenance {", "\t\tvars \($0) on", "\t\tnot header \(Self.probeHeader) \(probeToken)", "\t}"] }
            ?? ["\t@codeb_maintenance not header \(Self.probeHeader) \(probeToken)"]
        return matcher + [
            "\theader @codeb_maintenance Retry-After \(retryAfter)",
            "\trespond @codeb_maintenance \"\(message)\" 503",
        ]
    }

    /// The access log of `key`'s main route in `directory`.
    public static func accessLogPath(_ directory: String, _ key: EnvironmentKey) -> String {
        directory + "/" + key.stem + ".log"
    }

    /// One JSON line per request, naming the upstream dialed and how long it took (a refused
    /// connection has no latency). The controller's confirmation probe is not logged: traffic
    /// per slot is users' traffic. Rolled at 10 MiB, two kept; readable by the file's group only,
    /// since it holds users' addresses and URLs.
    func accessLog(_ path: String) -> [String] {
        [
            "\tlog {",
            "\t\toutput file \(path) {",
            "\t\t\troll_size 10MiB",
            "\t\t\troll_keep 2",
            "\t\t\tmode 0640",
            "\t\t}",
            "\t\tformat json",
            "\t}",
            "\t@codeb_probe header \(Self.probeHeader) \(probeToken)",
            "\tlog_skip @codeb_probe",
            "\tlog_append upstream {http.reverse_proxy.upstream.hostport}",
            "\tlog_append upstream_latency {http.reverse_proxy.upstream.latency_ms}",
        ]
    }

    /// Whether `route`'s certificates come on demand (see `onDemandUnder`).
    func onDemand(_ route: SiteRoute) -> Bool {
        guard case .automaticHTTPS = addressMode, let under = onDemandUnder else { return false }
        return route.domains.allSatisfy { $0.value.hasSuffix("." + under.value) }
    }

    private func address(_ domain: Hostname) -> String {
        switch addressMode {
        case .automaticHTTPS: return domain.value
        case .plainHTTP(let port): return "http://\(domain.value):\(port)"
        }
    }

    /// Whole milliseconds, the unit Caddy's durations accept everywhere.
    static func caddyDuration(_ duration: Duration) -> String {
        let milliseconds = duration.inMilliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }

    /// Compact JSON with sorted keys: one line (domains and hashes hold no line breaks).
    static func encode(_ site: SiteConfig) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A struct of validated strings and integers always encodes.
        return String(decoding: try! encoder.encode(site), as: UTF8.self)
    }

    /// The `SiteConfig` a managed file was rendered from, or nil when it is missing or unreadable.
    public static func parseSite(_ content: String) -> SiteConfig? {
        for line in content.split(separator: "\n").prefix(4) where line.hasPrefix(sitePrefix) {
            return try? JSONDecoder().decode(SiteConfig.self, from: Data(line.dropFirst(sitePrefix.count).utf8))
        }
        return nil
    }

    /// The header fields of a managed site file, or nil when the file is not codeb's.
    public static func parseHeader(_ content: String) -> [String: String]? {
        guard let first = content.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first,
              first.hasPrefix(headerPrefix)
        else { return nil }
        var fields: [String: String] = [:]
        for token in first.dropFirst(headerPrefix.count).split(separator: " ") {
            let parts = token.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }
}
