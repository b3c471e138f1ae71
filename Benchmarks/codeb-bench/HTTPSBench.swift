import Controller
import Drivers
import Foundation
import Spec
import State
import TestSupport

/// Figure 9: apply → the first answer over TLS that verifies, for a domain new to Caddy (its
/// certificate issued by pebble over a real ACME exchange), beside the floor measured in the
/// same run: Caddy issuing for a new domain whose site is written directly, its upstream
/// already running — pebble's and Caddy's own time for the name.
struct HTTPSBench {
    static let rounds = 6

    static func run(_ caddy: CaddyInstance) async throws {
        let stem = "tls" + UUID().uuidString.prefix(6).lowercased()
        let keys = try (0..<rounds).map { EnvironmentKey(project: try ResourceName(parsing: "\(stem)r\($0)"), environment: .production) }
        try await BenchAPIServer.with(caddy: caddy, switching: .file, removing: keys) { server in
            try await TestScope.run { scope in try await measure(server, scope: scope, stem: stem, caddy: caddy) }
        }
    }

    static func measure(_ server: BenchAPIServer, scope: TestScope, stem: String, caddy: CaddyInstance) async throws {
        let upstream = FreePort.next()
        try await scope.docker.start(try await scope.docker.create(scope.webSpec("floor", version: 1, hostPort: upstream)))
        _ = try await eventually("the floor's upstream") { try await httpGet("http://127.0.0.1:\(upstream)/health") }
        let router = caddy.router(switching: .file)
        var floors: [Double] = [], totals: [Double] = []
        for round in 0..<rounds {
            // The floor: a site for a new name written straight to Caddy → first verified answer.
            let floorName = "\(stem)f\(round).test"
            let key = EnvironmentKey(project: try ResourceName(parsing: "\(stem)f\(round)"), environment: .production)
            let site = SiteConfig(key: key, revision: 1, hash: "floor", routes: [SiteRoute(domains: [try Hostname(parsing: floorName)], upstreams: [Upstream(port: upstream)])])
            let (_, floor) = try await time {
                _ = try await router.apply([.write(site)])
                try await firstVerifiedAnswer(caddy, floorName)
            }
            floors.append(floor)
            _ = try await router.apply([.remove(key)])

            // The controller: apply a new project whose domain is new to Caddy.
            let project = "\(stem)r\(round)"
            let (_, total) = try await time {
                try await PullBench.apply(server, try ControllerBench.benchSpecText(project: project, version: 1, round: round))
                try await firstVerifiedAnswer(caddy, "\(project).test")
            }
            totals.append(total)
        }
        printFigure("9. apply → first answer over verified TLS for a domain new to Caddy (pebble issuing over a real ACME exchange; Caddy \(CaddyInstance.modernBinary))",
                    Stats(totals), "apply → verified HTTPS answer (create, start, health, certificate, confirmation)",
                    floor: Stats(floors), "floor: Caddy issuing for a new site written directly, upstream already running", ratio: "apply → verified / floor")
    }

    /// Polls (1 ms apart) until a verified HTTPS request for `domain` is answered 200.
    static func firstVerifiedAnswer(_ caddy: CaddyInstance, _ domain: String) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while (try? await caddy.httpsGet(domain, "/health"))?.status != 200 {
            guard ContinuousClock.now < deadline else { throw BenchFailure("no verified HTTPS answer for \(domain) within 120 s") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
