import Foundation
import Drivers
import Spec
import State
import TestSupport
import Testing

@Suite struct CaddySiteRendererTests {
    static func site(upstreams: [Upstream] = [Upstream(port: 4100), Upstream(port: 4101)]) throws -> SiteConfig {
        SiteConfig(
            key: EnvironmentKey(project: try ResourceName(parsing: "shop"), environment: .production),
            revision: 7, hash: "sha256:abc",
            routes: [
                SiteRoute(domains: [try Hostname(parsing: "shop.example.com"), try Hostname(parsing: "www.shop.example.com")], upstreams: upstreams),
                SiteRoute(domains: [try Hostname(parsing: "blue-production-shop.preview.example.com")], upstreams: [Upstream(port: 4100)]),
            ]
        )
    }

    @Test func rendersTheDesignsSiteFile() throws {
        let token = String(repeating: "5e", count: 32)
        let text = CaddySiteRenderer(probeToken: token).render(try Self.site())
        #expect(text == """
            # managed by codeb: project=shop environment=production revision=7 hash=sha256:abc
            # codeb rewrites this file; edit codeb.yaml instead.
            # codeb-site: {"hash":"sha256:abc","key":{"environment":"production","project":"shop"},"revision":7,"routes":[{"domains":["shop.example.com","www.shop.example.com"],"upstreams":[{"host":"127.0.0.1","port":4100},{"host":"127.0.0.1","port":4101}]},{"domains":["blue-production-shop.preview.example.com"],"upstreams":[{"host":"127.0.0.1","port":4100}]}]}

            shop.example.com, www.shop.example.com {
            \t@codeb_public not header X-Codeb-Probe 5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e
            \theader @codeb_public -X-Codeb-Upstream
            \treverse_proxy 127.0.0.1:4100 127.0.0.1:4101 {
            \t\tlb_policy first
            \t\tlb_try_duration 5s
            \t\tlb_try_interval 250ms
            \t\tfail_duration 1s
            \t\tmax_fails 1
            \t\theader_down X-Codeb-Upstream {http.reverse_proxy.upstream.hostport}
            \t}
            }

            blue-production-shop.preview.example.com {
            \t@codeb_public not header X-Codeb-Probe 5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e
            \theader @codeb_public -X-Codeb-Upstream
            \treverse_proxy 127.0.0.1:4100 {
            \t\tlb_policy first
            \t\tlb_try_duration 5s
            \t\tlb_try_interval 250ms
            \t\tfail_duration 1s
            \t\tmax_fails 1
            \t\theader_down X-Codeb-Upstream {http.reverse_proxy.upstream.hostport}
            \t}
            }

            """)
    }

    @Test func aProbeTokenIsKeptInTheStateDirectoryPrivateAndReplacedWhenOthersCanReadIt() throws {
        let directory = NSTemporaryDirectory() + "codeb-probe-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/probe-token"
        let first = ProbeToken.loadOrCreate(at: path)
        #expect(first.persisted && ProbeToken.isValid(first.token) && first.token.count == 64)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.uint16Value == 0o600)
        #expect(ProbeToken.loadOrCreate(at: path).token == first.token, "a restart renders the same site files")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let replaced = ProbeToken.loadOrCreate(at: path)
        #expect(replaced.token != first.token, "a token others could read is not used")
        #expect(!ProbeToken.isValid("1") && !ProbeToken.isValid(String(repeating: "g", count: 64)) && !ProbeToken.isValid(String(repeating: "a", count: 31)))
        #expect(CaddySiteRenderer().probeToken != CaddySiteRenderer().probeToken)
    }

    /// Preview names get certificates on demand (Caddy asks codeb first); the project's own
    /// domains at load; plain HTTP has no certificates to ask about.
    @Test func onlyRoutesUnderThePreviewDomainAskForCertificatesOnDemand() throws {
        let preview = try Hostname(parsing: "preview.example.com")
        let text = CaddySiteRenderer(onDemandUnder: preview).render(try Self.site())
        let blocks = text.components(separatedBy: "\n\n").dropFirst()
        #expect(blocks.count == 2)
        #expect(blocks.first?.hasPrefix("shop.example.com") == true && blocks.first?.contains("on_demand") == false)
        #expect(blocks.last?.hasPrefix("blue-production-shop.preview.example.com {\n\ttls {\n\t\ton_demand\n\t}\n") == true, "\(blocks.last ?? "")")
        #expect(!CaddySiteRenderer(addressMode: .plainHTTP(port: 8080), onDemandUnder: preview).render(try Self.site()).contains("on_demand"))
        #expect(!CaddySiteRenderer().render(try Self.site()).contains("on_demand"))
    }

    /// `tls: internal` asks Caddy's own CA (and wins over on demand); `hsts: true` adds the
    /// header; plain HTTP writes neither; the defaults leave the file as it was before both existed.
    @Test func internalTLSAndHSTSAreWrittenInEachBlockOnlyWithHTTPS() throws {
        var site = try Self.site()
        site.tls = .internal
        site.hsts = true
        let text = CaddySiteRenderer(onDemandUnder: try Hostname(parsing: "preview.example.com")).render(site)
        #expect(text.components(separatedBy: "\ttls internal\n").count == 3, "\(text)")
        #expect(text.components(separatedBy: "\theader Strict-Transport-Security \"max-age=31536000\"\n").count == 3)
        #expect(!text.contains("on_demand"))
        let plain = CaddySiteRenderer(addressMode: .plainHTTP(port: 8080)).render(site)
        #expect(!plain.contains("tls internal") && !plain.contains("Strict-Transport-Security"))
        let defaults = SiteConfig(key: site.key, revision: site.revision, hash: site.hash, routes: site.routes, tls: .auto, hsts: false)
        #expect(defaults == (try Self.site()), "auto and false are the defaults, stored as nothing")
    }

    @Test func theAccessLogIsPerEnvironmentOnTheMainRouteOnlyGroupReadableAndSkipsTheProbe() throws {
        var renderer = CaddySiteRenderer(probeToken: String(repeating: "5e", count: 32))
        let site = try Self.site()
        let routeFiles = RouteFiles(sitesDirectory: "/etc/caddy/sites", key: site.key)
        #expect(!renderer.render(site, routeFiles: routeFiles).contains("log {"), "no directory, no log")
        renderer.accessLogDirectory = "/var/log/caddy/codeb"
        #expect(!renderer.render(site).contains("log {"), "without route files (Caddy < 2.8 or reload switching) no log")
        let text = renderer.render(site, routeFiles: routeFiles)
        #expect(text.components(separatedBy: "\tlog {").count == 2, "the main route only: preview names are not users' traffic of the environment")
        for line in [
            "\t\toutput file /var/log/caddy/codeb/shop-production.log {", "\t\t\tmode 0640", "\t\t\troll_size 10MiB",
            "\t@codeb_probe header X-Codeb-Probe \(renderer.probeToken)", "\tlog_skip @codeb_probe",
            "\tlog_append upstream {http.reverse_proxy.upstream.hostport}",
            "\tlog_append upstream_latency {http.reverse_proxy.upstream.latency_ms}",
        ] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
    }

    @Test func rendersByteIdenticallyForTheSameInput() throws {
        let renderer = CaddySiteRenderer()
        #expect(renderer.render(try Self.site()) == renderer.render(try Self.site()))
    }

    @Test func plainHTTPModeWritesSchemeAndPort() throws {
        let text = CaddySiteRenderer(addressMode: .plainHTTP(port: 8080)).render(try Self.site())
        #expect(text.contains("\nhttp://shop.example.com:8080, http://www.shop.example.com:8080 {\n"))
    }

    @Test func noUpstreamAnswers503() throws {
        let text = CaddySiteRenderer().render(try Self.site(upstreams: []))
        #expect(text.contains("respond \"no live version of shop/production yet\" 503"))
    }

    @Test func theSiteConfigReadsBack() throws {
        let site = try Self.site()
        #expect(CaddySiteRenderer.parseSite(CaddySiteRenderer().render(site)) == site)
        #expect(CaddySiteRenderer.parseSite("# managed by codeb: project=a\n") == nil)
    }

    @Test func theHeaderReadsBack() throws {
        let header = try #require(CaddySiteRenderer.parseHeader(CaddySiteRenderer().render(try Self.site())))
        #expect(header == ["project": "shop", "environment": "production", "revision": "7", "hash": "sha256:abc"])
        #expect(CaddySiteRenderer.parseHeader("shop.example.com {\n}\n") == nil)
        #expect(CaddySiteRenderer.parseHeader("") == nil)
    }
}
