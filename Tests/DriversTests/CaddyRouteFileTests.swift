import Drivers
import Foundation
import Spec
import TestSupport
import Testing

/// Switching by route file on a real Caddy ≥ 2.8 (`{file.*}` placeholders) and real upstream
/// containers: a switch renames a few bytes and reloads nothing; the site file changes only
/// with the site's shape. And `auto` tells the two Caddys apart.
@Suite(.timeLimit(.minutes(2)))
struct CaddyRouteFileTests {
    typealias Site = CaddyRouterTests

    @Test func aSwitchByRouteFileReloadsNothingAndTrafficMovesAtOnce() async throws {
        try await TestScope.run { scope in
            let (v1, v2) = try await Site.upstreams(scope)
            try await CaddyInstance.run(modern: true) { caddy in
                let router = caddy.router(switching: .file)
                #expect(await router.switchMode() == .file)
                let first = try await router.apply([.write(try Site.site("shop", domains: ["shop.test"], upstreams: [v1]))])
                #expect(first.reloaded, "a new site file needs one reload")
                #expect(try await caddy.get("shop.test").body == "codeb-test web v1\n")
                let loads = caddy.loadsCompleted()
                let siteFile = try String(contentsOfFile: caddy.sitesDirectory + "/shop-production.caddy", encoding: .utf8)

                // Promote v2 with v1 as fallback, then roll back: route files only.
                for (revision, upstreams, version) in [(2, [v2, v1], 2), (3, [v1, v2], 1), (4, [v2, v1], 2)] {
                    let site = try Site.site("shop", domains: ["shop.test"], upstreams: upstreams, revision: revision)
                    let report = try await router.apply([.write(site)])
                    #expect(!report.reloaded && report.written.map(\.stem) == ["shop-production"])
                    try await router.confirm(site, path: "/health")
                    for _ in 0..<5 {
                        #expect(try await caddy.get("shop.test").body == "codeb-test web v\(version)\n")
                    }
                    let listed = try await router.listSites()
                    #expect(listed.first?.config == site && listed.first?.intact == true && listed.first?.revision == revision)
                    // One environment's read (kept with its files' stamps) sees each switch too.
                    let one = try await router.site(site.key)
                    #expect(one?.config == site && one?.intact == true)
                }
                #expect(caddy.loadsCompleted() == loads, "no reload for three switches")
                #expect(try String(contentsOfFile: caddy.sitesDirectory + "/shop-production.caddy", encoding: .utf8) == siteFile,
                        "the site file is untouched by switches")

                // A hand-edited or half-written route file is seen, and rewritten by the next apply.
                let key = try Site.site("shop", domains: [], upstreams: []).key
                let routes = (files: RouteFiles(sitesDirectory: caddy.sitesDirectory, key: key), key: key)
                #expect(try await router.site(routes.key)?.intact == true)
                try "9".write(toFile: routes.files.active, atomically: true, encoding: .utf8)
                #expect(try await router.listSites().first?.intact == false)
                #expect(try await router.site(routes.key)?.intact == false, "a replaced file is read again")
                let wanted = try Site.site("shop", domains: ["shop.test"], upstreams: [v2, v1], revision: 4)
                #expect(try await router.apply([.write(wanted)]).reloaded == false)
                #expect(try await router.listSites().first?.intact == true)
                #expect(try await router.site(routes.key)?.intact == true)
                // Edited in place (same file, another size): read again too.
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: routes.files.active))
                try handle.truncate(atOffset: 0)
                try handle.write(contentsOf: Data("99".utf8))
                try handle.close()
                #expect(try await router.site(routes.key)?.intact == false, "an edit in place is read again")
                #expect(try await router.apply([.write(wanted)]).reloaded == false)
                #expect(try await caddy.get("shop.test").body == "codeb-test web v2\n")

                // New domains change the site's shape: that reloads.
                let moved = try Site.site("shop", domains: ["shop.test", "www.shop.test"], upstreams: [v2, v1], revision: 5)
                #expect(try await router.apply([.write(moved)]).reloaded)
                #expect(try await caddy.get("www.shop.test").body == "codeb-test web v2\n")

                // Removing the site removes its route files too.
                _ = try await router.apply([.remove(moved.key)])
                #expect(routes.files.all.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
                #expect(try await router.site(routes.key) == nil)
                #expect(try await router.listSites().isEmpty)
            }
        }
    }

    @Test(arguments: [true, false])
    func autoChoosesFileOnlyWhenCaddyReadsRouteFiles(modern: Bool) async throws {
        try await CaddyInstance.run(modern: modern) { caddy in
            let router = caddy.router(switching: .auto)
            let mode = await router.switchMode()
            #expect(mode == (modern ? .file : .reload))
            let reason = await router.decidedSwitchMode()?.1
            #expect(modern ? reason == nil : reason?.contains("{file.*}") == true, "\(reason ?? "-")")
            // The probe site stays: a restarted controller decides again without reloading.
            let loads = caddy.loadsCompleted()
            #expect(await caddy.router(switching: .auto).switchMode() == mode)
            #expect(caddy.loadsCompleted() == loads)
            let listed = try await router.listSites()
            #expect(listed.isEmpty, "the probe site is not an environment's")
        }
    }
}
