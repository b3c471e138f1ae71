import Drivers
import Foundation
import Glibc
import Spec
import State
import TestSupport
import Testing

/// Against real Caddy processes and real upstream containers.
@Suite(.timeLimit(.minutes(2)))
struct CaddyRouterTests {
    static func site(_ project: String, domains: [String], upstreams: [Int], revision: Int = 1) throws -> SiteConfig {
        SiteConfig(
            key: EnvironmentKey(project: try ResourceName(parsing: project), environment: .production),
            revision: revision, hash: "sha256:r\(revision)",
            routes: [SiteRoute(domains: try domains.map(Hostname.init(parsing:)), upstreams: upstreams.map { Upstream(port: $0) })]
        )
    }

    /// Starts web v1 and v2 containers and returns their host ports.
    static func upstreams(_ scope: TestScope) async throws -> (v1: Int, v2: Int) {
        let v1 = FreePort.next(), v2 = FreePort.next()
        try await scope.docker.start(try await scope.docker.create(scope.webSpec("v1", version: 1, hostPort: v1)))
        try await scope.docker.start(try await scope.docker.create(scope.webSpec("v2", version: 2, hostPort: v2)))
        for port in [v1, v2] {
            _ = try await eventually("upstream \(port)") { try await httpGet("http://127.0.0.1:\(port)/health") }
        }
        return (v1, v2)
    }

    @Test func aSiteServesV1ThenSwitchesToV2() async throws {
        try await TestScope.run { scope in
            let (v1, v2) = try await Self.upstreams(scope)
            try await CaddyInstance.run { caddy in
                let router = caddy.router()
                let first = try await router.apply([.write(try Self.site("shop", domains: ["shop.test"], upstreams: [v1]))])
                #expect(first.reloaded)
                #expect(try await caddy.get("shop.test").body == "codeb-test web v1\n")

                let second = try await router.apply([.write(try Self.site("shop", domains: ["shop.test"], upstreams: [v2, v1], revision: 2))])
                #expect(second.written.map(\.stem) == ["shop-production"])
                for _ in 0..<5 {
                    #expect(try await caddy.get("shop.test").body == "codeb-test web v2\n")
                }
                let sites = try await router.listSites()
                #expect(sites.map(\.key.stem) == ["shop-production"])
                #expect(sites.first?.revision == 2)
                #expect(sites.first?.hash == "sha256:r2")
                let expected = try Self.site("shop", domains: ["shop.test"], upstreams: [v2, v1], revision: 2)
                #expect(sites.first?.content == router.render(expected))
                #expect(sites.first?.config == expected)
                #expect(sites.first?.intact == true)

                // One environment's site alone reads the same; names that concatenate alike
                // (web/preview-production and web-preview/production share a file name) never
                // read each other's site.
                #expect(try await router.site(expected.key) == sites.first)
                #expect(try await router.site(EnvironmentKey(project: try ResourceName(parsing: "shop"), environment: .staging)) == nil)
                var preview = try Self.site("web", domains: ["web.test"], upstreams: [v1])
                preview.key = EnvironmentKey(project: try ResourceName(parsing: "web"), environment: try EnvironmentName(parsing: "preview-production"))
                _ = try await router.apply([.write(preview)])
                #expect(try await router.site(preview.key)?.config == preview)
                #expect(try await router.site(EnvironmentKey(project: try ResourceName(parsing: "web-preview"), environment: .production)) == nil)
                _ = try await router.apply([.remove(preview.key)])

                // A hand edit is visible as a file that no longer matches its own config.
                let path = caddy.sitesDirectory + "/shop-production.caddy"
                try (sites[0].content + "# tweak\n").write(toFile: path, atomically: true, encoding: .utf8)
                #expect(try await router.listSites().first?.intact == false)
                #expect(try await router.site(expected.key)?.intact == false)
            }
        }
    }

    @Test func aSwitchIsConfirmedThroughCaddysListenerAndClientsNeverSeeTheUpstream() async throws {
        try await TestScope.run { scope in
            let (v1, v2) = try await Self.upstreams(scope)
            try await CaddyInstance.run { caddy in
                let router = caddy.router()
                let site = try Self.site("shop", domains: ["shop.test"], upstreams: [v2, v1])
                _ = try await router.apply([.write(site)])
                try await router.confirm(site, path: "/health")
                // Every request after the confirmation is served by v2, on new connections.
                for _ in 0..<10 {
                    #expect(try await caddy.get("shop.test").body == "codeb-test web v2\n")
                }
                // The upstream is named to codeb's probe only: to the controller's secret token,
                // not to anyone who sends the header.
                let plain = try await rawHeaders(caddy, "shop.test", probe: nil)
                #expect(!plain.lowercased().contains("x-codeb-upstream"), "\(plain)")
                for guess in ["1", "true", "", String(repeating: "0", count: 64)] {
                    let guessed = try await rawHeaders(caddy, "shop.test", probe: guess)
                    #expect(!guessed.lowercased().contains("x-codeb-upstream"), "X-Codeb-Probe: \(guess) → \(guessed)")
                }
                let probed = try await rawHeaders(caddy, "shop.test", probe: router.configuration.renderer.probeToken)
                #expect(probed.contains("X-Codeb-Upstream: 127.0.0.1:\(v2)"), "\(probed)")
            }
        }
    }

    @Test func anUnconfirmedSwitchNamesWhatAnsweredInstead() async throws {
        try await TestScope.run { scope in
            let (v1, v2) = try await Self.upstreams(scope)
            try await CaddyInstance.run { caddy in
                let router = CaddyRouter(.init(
                    mainCaddyfile: caddy.caddyfile, sitesDirectory: caddy.sitesDirectory, admin: caddy.admin,
                    renderer: CaddySiteRenderer(addressMode: .plainHTTP(port: caddy.httpPort), tryDuration: .seconds(1)),
                    // Long enough for one answer under a loaded suite (1 s, and once 4 s, saw only
                    // timeouts): the assertion is what answered, not how fast.
                    confirmationTimeout: .seconds(15)
                ))
                _ = try await router.apply([.write(try Self.site("shop", domains: ["shop.test"], upstreams: [v1]))])
                // Asked to confirm v2 while Caddy still routes to v1 (the file was never written).
                let error = await #expect(throws: RouterError.self) {
                    try await router.confirm(try Self.site("shop", domains: ["shop.test"], upstreams: [v2]), path: "/health")
                }
                #expect(error?.kind == .unconfirmed)
                #expect(error?.message.contains("HTTP 200 from 127.0.0.1:\(v1)") == true, "\(error?.message ?? "")")
            }
        }
    }

    @Test func theGraceUpstreamAnswersWhenTheActiveOneIsDown() async throws {
        try await TestScope.run { scope in
            let (v1, _) = try await Self.upstreams(scope)
            try await CaddyInstance.run { caddy in
                let router = caddy.router()
                let closed = FreePort.next()
                _ = try await router.apply([.write(try Self.site("shop", domains: ["shop.test"], upstreams: [closed, v1]))])
                #expect(try await caddy.get("shop.test").body == "codeb-test web v1\n")
            }
        }
    }

    @Test func aRejectedConfigLeavesTheOldOneServingAndTheFilesAsTheyWere() async throws {
        try await TestScope.run { scope in
            let (v1, v2) = try await Self.upstreams(scope)
            // An operator's own site (no codeb header) already claims taken.test.
            try await CaddyInstance.run(extraCaddyfile: "http://taken.test:{HTTP_PORT} {\n\trespond \"operator\"\n}\n") { caddy in
                let router = caddy.router()
                _ = try await router.apply([.write(try Self.site("shop", domains: ["shop.test"], upstreams: [v1]))])
                let path = caddy.sitesDirectory + "/shop-production.caddy"
                let before = try String(contentsOfFile: path, encoding: .utf8)
                let loads = caddy.loadsCompleted()

                let error = await #expect(throws: RouterError.self) {
                    try await router.apply([
                        .write(try Self.site("shop", domains: ["shop.test", "taken.test"], upstreams: [v2], revision: 2)),
                        .write(try Self.site("other", domains: ["other.test"], upstreams: [v2])),
                    ])
                }
                #expect(error?.kind == .rejected)
                #expect(error?.message.contains("taken.test") == true)
                #expect(error?.message.hasSuffix("(in \(path))") == true, "\(error?.message ?? "")")
                #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
                #expect(FileManager.default.fileExists(atPath: caddy.sitesDirectory + "/other-production.caddy") == false)
                #expect(caddy.loadsCompleted() == loads)
                #expect(try await caddy.get("shop.test").body == "codeb-test web v1\n")
            }
        }
    }

    @Test func tenChangedSitesCostOneReload() async throws {
        try await TestScope.run { scope in
            let (v1, _) = try await Self.upstreams(scope)
            try await CaddyInstance.run { caddy in
                let router = caddy.router()
                let loads = caddy.loadsCompleted()
                let changes = try (0..<10).map { SiteChange.write(try Self.site("p\($0)", domains: ["p\($0).test"], upstreams: [v1])) }
                let report = try await router.apply(changes)
                #expect(report.reloaded)
                #expect(report.written.count == 10)
                #expect(caddy.loadsCompleted() == loads + 1)
                #expect(try await router.listSites().count == 10)
                #expect(try await caddy.get("p7.test").body == "codeb-test web v1\n")

                // The same content again changes nothing and does not reload.
                let again = try await router.apply(changes)
                #expect(again.reloaded == false)
                #expect(caddy.loadsCompleted() == loads + 1)
            }
        }
    }

    @Test func removingASiteDeletesItsFile() async throws {
        try await CaddyInstance.run { caddy in
            let router = caddy.router()
            let site = try Self.site("gone", domains: ["gone.test"], upstreams: [])
            _ = try await router.apply([.write(site)])
            #expect(try await caddy.get("gone.test").status == 503)
            let report = try await router.apply([.remove(site.key)])
            #expect(report.removed == [site.key])
            #expect(try await router.listSites().isEmpty)
            // With no site left Caddy may close the port altogether; either way the 503 is gone.
            #expect((try? await caddy.get("gone.test"))?.status != 503)
        }
    }

    @Test func aFileWithoutTheHeaderIsNeverTouched() async throws {
        try await CaddyInstance.run { caddy in
            let router = caddy.router()
            let path = caddy.sitesDirectory + "/shop-production.caddy"
            let foreign = "# hand-written\nhttp://hand.test {\n\trespond \"mine\"\n}\n"
            try foreign.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try await router.listSites().isEmpty)
            let site = try Self.site("shop", domains: ["shop.test"], upstreams: [])
            for change in [SiteChange.write(site), .remove(site.key)] {
                let error = await #expect(throws: RouterError.self) { try await router.apply([change]) }
                #expect(error?.kind == .fileConflict)
                #expect(try String(contentsOfFile: path, encoding: .utf8) == foreign)
            }
        }
    }

    @Test func aMainCaddyfileWithoutTheImportIsAClearError() async throws {
        try await CaddyInstance.run { caddy in
            let other = caddy.directory + "/Other.caddyfile"
            try "{\n\tadmin off\n}\nimport sites/*.caddy\n".write(toFile: other, atomically: true, encoding: .utf8)
            let router = CaddyRouter(.init(mainCaddyfile: other, sitesDirectory: caddy.sitesDirectory, admin: caddy.admin))
            let error = await #expect(throws: RouterError.self) { try await router.check() }
            #expect(error?.kind == .misconfigured)
            #expect(error?.message.contains("import \(caddy.sitesDirectory)/*.caddy") == true)
        }
    }

    @Test func anUnreachableAdminAPIIsAClearError() async throws {
        try await CaddyInstance.run { caddy in
            let router = CaddyRouter(.init(mainCaddyfile: caddy.caddyfile, sitesDirectory: caddy.sitesDirectory, admin: .tcp(host: "127.0.0.1", port: FreePort.next())))
            let error = await #expect(throws: RouterError.self) { try await router.check() }
            #expect(error?.kind == .unavailable)
        }
    }

    @Test func theAdminAPIWorksOverAUnixSocket() async throws {
        try await TestScope.run { scope in
            let (v1, _) = try await Self.upstreams(scope)
            try await CaddyInstance.run(unixAdmin: true) { caddy in
                let router = caddy.router()
                try await router.check()
                #expect(try await router.apply([.write(try Self.site("unix", domains: ["unix.test"], upstreams: [v1]))]).reloaded)
                #expect(try await caddy.get("unix.test").body == "codeb-test web v1\n")
            }
        }
    }
}

/// The response head of one GET through `caddy`, with or without codeb's probe header.
private func rawHeaders(_ caddy: CaddyInstance, _ domain: String, probe: String?) async throws -> String {
    let fd = try Loopback.connect(port: caddy.httpPort, timeoutSeconds: 5).get()
    defer { close(fd) }
    let request = "GET /health HTTP/1.1\r\nHost: \(domain):\(caddy.httpPort)\r\n" + (probe.map { "X-Codeb-Probe: \($0)\r\n" } ?? "") + "Connection: close\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var data = [UInt8](repeating: 0, count: 8192)
    var text = ""
    while true {
        let n = recv(fd, &data, data.count, 0)
        if n <= 0 { break }
        text += String(decoding: data[0..<n], as: UTF8.self)
    }
    return text.components(separatedBy: "\r\n\r\n").first ?? text
}
