import Controller
import Drivers
import Foundation
import Spec
import State
import TestSupport

/// Figure 10: under steady users at 200 requests/s, a release that answers every third request
/// with 500 is switched to and then reverted by its bake: from the switch to the revert, beside
/// the floor measured in the same round — from the switch to the end of the `min-requests`-th
/// request it answered (read from Caddy's access log), before which no verdict may be given —
/// with the users' requests that failed meanwhile.
///
/// Figure 11: what the access log costs Caddy: requests/s through two sites on one Caddy to one
/// upstream, one writing the access log and one not, measured in turns.
struct BakeBench {
    static let rounds = 5
    static let rate = 200.0
    static let minRequests = 50

    static func run(_ caddy: CaddyInstance) async throws {
        let stem = "bake" + UUID().uuidString.prefix(6).lowercased()
        let keys = try (0..<rounds).map { EnvironmentKey(project: try ResourceName(parsing: "\(stem)r\($0)"), environment: .production) }
        try await BenchAPIServer.with(caddy: caddy, switching: .file, removing: keys) { server in
            try await revert(server, caddy: caddy, stem: stem)
        }
        try await TestScope.run { scope in try await logCost(caddy, scope: scope, stem: stem) }
    }

    static func spec(_ project: String, version: Int, bake: Bool) -> String {
        """
        project: \(project)
        team: bench
        image: codeb-test/web:\(version)
        port: 8080
        resources: { memory: 64m, cpus: 1 }
        healthcheck: { interval: 100ms, timeout: 1s, healthyThreshold: 1, deadline: 30s }
        grace: 1h
        stopTimeout: 1s\(bake ? "\nbake: { for: 5m, max-error-rate: 2%, min-requests: \(minRequests) }" : "")
        environments:
          production: { domains: [\(project).test] }

        """
    }

    static func revert(_ server: BenchAPIServer, caddy: CaddyInstance, stem: String) async throws {
        var decisions: [Double] = [], floors: [Double] = [], failed: [Double] = [], sent = 0
        for round in 0..<rounds {
            let project = "\(stem)r\(round)"
            let key = EnvironmentKey(project: try ResourceName(parsing: project), environment: .production)
            try await PullBench.apply(server, spec(project, version: 1, bake: false))
            _ = try await eventually("v1 of \(project) live", within: .seconds(60)) {
                try await caddy.get("\(project).test", "/cgi-bin/app").body == "v1\n" ? true : nil
            }
            let users = LoadGenerator(port: caddy.httpPort, host: "\(project).test:\(caddy.httpPort)", rate: rate, threads: 8, path: "/cgi-bin/app")
            users.start()
            try await Task.sleep(for: .seconds(1))
            _ = users.reset()
            try await PullBench.apply(server, spec(project, version: 3, bake: true))
            let state = try await eventually("v3 of \(project) reverted", within: .seconds(60)) { () -> EnvironmentState? in
                let state = try await server.store.load(key)
                return state?.slots.contains { $0.failureReason == .reverted } == true ? state : nil
            }
            // Users' requests until traffic is back: one more second at the rate.
            try await Task.sleep(for: .seconds(1))
            let counts = users.stop()
            guard let bad = state.slots.first(where: { $0.failureReason == .reverted }), let good = state.slots.first(where: { $0.state == .active }),
                  let switched = bad.promotedAt, let reverted = good.promotedAt
            else { throw BenchFailure("no switch and revert recorded for \(project)") }
            decisions.append(reverted.timeIntervalSince(switched))
            floors.append(try floor(caddy, key: key, port: bad.port, since: switched))
            failed.append(Double(counts.failed))
            sent += counts.sent
        }
        printFigure("10. a release failing a third of its users, reverted by its bake, at \(Int(rate)) requests/s (min-requests \(minRequests); Caddy \(CaddyInstance.modernBinary))",
                    Stats(decisions), "switch → revert (seconds)",
                    floor: Stats(floors), "floor: switch → the \(minRequests)th request to it logged", ratio: "revert / floor")
        print("   users' requests that failed per round (500s from the bad release, of about \(sent / rounds) sent from its apply to 1 s after the revert): \(Stats(failed).values("%.0f"))")
        print("")
    }

    /// When the `minRequests`-th request to `port` after `since` ended, as Caddy logged it.
    static func floor(_ caddy: CaddyInstance, key: EnvironmentKey, port: Int, since: Date) throws -> Double {
        let path = CaddySiteRenderer.accessLogPath(caddy.directory + "/access-logs", key)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let ends = text.split(separator: "\n").compactMap(AccessLogEntry.init(line:))
            .filter { $0.upstream?.hasSuffix(":\(port)") == true && $0.end >= since }.map(\.end).sorted()
        guard ends.count >= minRequests else { throw BenchFailure("only \(ends.count) requests to port \(port) logged") }
        return ends[minRequests - 1].timeIntervalSince(since)
    }

    static func logCost(_ caddy: CaddyInstance, scope: TestScope, stem: String) async throws {
        let upstream = FreePort.next()
        try await scope.docker.start(try await scope.docker.create(scope.webSpec("logcost", version: 1, hostPort: upstream)))
        _ = try await eventually("the upstream") { try await httpGet("http://127.0.0.1:\(upstream)/health") }
        let logged = caddy.router(switching: .file, accessLogDirectory: caddy.directory + "/cost-logs")
        let plain = caddy.router(switching: .file)
        _ = await logged.switchMode()
        if let decided = await logged.accessLogs(), decided.directory == nil {
            throw BenchFailure("Caddy does not write the access log: \(decided.reason ?? "unknown")")
        }
        _ = await plain.switchMode()
        func site(_ name: String) throws -> SiteConfig {
            SiteConfig(key: EnvironmentKey(project: try ResourceName(parsing: name), environment: .production), revision: 1, hash: name,
                       routes: [SiteRoute(domains: [try Hostname(parsing: "\(name).test")], upstreams: [Upstream(port: upstream)])])
        }
        let withLog = try site("\(stem)log"), without = try site("\(stem)nolog")
        _ = try await logged.apply([.write(withLog)])
        _ = try await plain.apply([.write(without)])
        var on: [Double] = [], off: [Double] = []
        for round in 0..<(rounds * 2) {
            let target = round % 2 == 0 ? withLog : without
            let name = target.routes[0].domains[0].value
            _ = try await eventually("\(name) served") { try await caddy.get(name).status == 200 ? true : nil }
            // As fast as 4 threads on kept-alive connections go, for 2 seconds.
            let load = LoadGenerator(port: caddy.httpPort, host: "\(name):\(caddy.httpPort)", rate: 1_000_000, threads: 4, keepAlive: true)
            load.start()
            try await Task.sleep(for: .seconds(2))
            let counts = load.stop()
            let rate = Double(counts.sent - counts.failed) / 2
            if target == withLog { on.append(rate) } else { off.append(rate) }
        }
        _ = try await logged.apply([.remove(withLog.key)])
        _ = try await plain.apply([.remove(without.key)])
        print("11. the access log's cost: requests/s through Caddy to one upstream, kept-alive, 4 threads, 2 s per turn, in turns")
        print("   with the JSON access log: \(Stats(on).values("%.0f", unit: "requests/s"))")
        print("   without: \(Stats(off).values("%.0f", unit: "requests/s"))")
        print(String(format: "   ratio with / without = %.2f", Stats(on).median / Stats(off).median))
        print("")
    }
}
