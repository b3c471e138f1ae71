import Drivers
import Foundation
import Spec
import State
import TestSupport
import Testing

/// Traffic per slot from a real Caddy's access log: users' requests are credited to the slot on
/// the port Caddy dialed, before and after a route-file switch; the controller's confirmation
/// probe is not logged; Caddy 2.6 (no `log_append`) and an unusable directory leave traffic
/// unwatched, saying why, and sites still load.
@Suite(.timeLimit(.minutes(2)))
struct CaddyAccessLogsTests {
    typealias Site = CaddyRouterTests

    @Test func usersRequestsAreCountedPerSlotAndTheProbeIsNot() async throws {
        try await TestScope.run { scope in
            let (v1, v2) = try await Site.upstreams(scope)
            try await CaddyInstance.run(modern: true) { caddy in
                let directory = caddy.directory + "/access-logs"
                let router = caddy.router(switching: .auto, accessLogDirectory: directory)
                #expect(await router.switchMode() == .file)
                #expect(await router.accessLogs()?.directory == directory)
                let logs = CaddyAccessLogs(router: router)
                let first = try Site.site("shop", domains: ["shop.test"], upstreams: [v1])
                _ = try await router.apply([.write(first)])
                try await router.confirm(first, path: "/health")
                let target = TrafficTarget(team: "acme", key: first.key, ports: [.blue: v1, .green: v2])
                let since = Date()
                for _ in 0..<12 { #expect(try await caddy.get("shop.test").status == 200) }
                _ = try await caddy.get("shop.test", "/missing")

                let second = try Site.site("shop", domains: ["shop.test"], upstreams: [v2, v1], revision: 2)
                _ = try await router.apply([.write(second)])
                try await router.confirm(second, path: "/health")
                for _ in 0..<5 { _ = try await caddy.get("shop.test") }

                let counted = try await eventually("the log read") { () -> [SlotName: TrafficWindow.Summary]? in
                    let summaries = await logs.traffic(target, since: [.blue: since, .green: since], until: Date().addingTimeInterval(1))
                    return summaries[.green]?.requests == 5 ? summaries : nil
                }
                #expect(counted[.blue]?.requests == 13, "12 answers and a 404, and no confirmation probe")
                #expect(counted[.blue]?.serverErrors == 0 && counted[.green]?.serverErrors == 0)
                #expect(counted[.blue]?.p95 != nil)
                let text = try String(contentsOfFile: CaddySiteRenderer.accessLogPath(directory, first.key), encoding: .utf8)
                #expect(!text.contains("X-Codeb-Probe"), "the probe and its token are never in the log")
                let mode = try FileManager.default.attributesOfItem(atPath: CaddySiteRenderer.accessLogPath(directory, first.key))[.posixPermissions] as? Int
                #expect(mode == 0o640)
            }
        }
    }

    @Test func onCaddy26TrafficIsNotWatchedAndSaysWhy() async throws {
        try await CaddyInstance.run(modern: false) { caddy in
            let router = caddy.router(switching: .auto, accessLogDirectory: caddy.directory + "/access-logs")
            #expect(await router.switchMode() == .reload)
            let reason = await CaddyAccessLogs(router: router).unwatched()
            #expect(reason?.contains("switching by reload") == true, "\(reason ?? "-")")
        }
    }

    @Test func aDirectoryThatCannotBeMadeLeavesTrafficUnwatchedAndSitesLoading() async throws {
        try await CaddyInstance.run(modern: true) { caddy in
            let blocker = caddy.directory + "/not-a-directory"
            try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
            let router = caddy.router(switching: .auto, accessLogDirectory: blocker + "/logs")
            #expect(await router.switchMode() == .file, "route files still work")
            let reason = await CaddyAccessLogs(router: router).unwatched()
            #expect(reason?.contains("cannot create the access log directory") == true, "\(reason ?? "-")")
            let site = try Site.site("shop", domains: ["shop.test"], upstreams: [])
            #expect(try await router.apply([.write(site)]).reloaded)
            #expect(try await caddy.get("shop.test").status == 503)
        }
    }
}
