// codeb's benchmarks, against the real dockerd and Caddy (`make bench` starts them).
// Prints figures — median, p95, n — and ratios against a floor measured in the same run.
// Nothing here passes or fails.
import AsyncHTTPClient
import CMallocCounter
import Drivers
import Foundation
import NIOCore
import Spec
import State
import TestSupport

@main
struct Bench {
    static func main() async throws {
        // Line-buffered, so the figures printed so far survive a failure later in the run.
        codeb_line_buffered_stdout()
        print("codeb benchmarks — \(machineDescription())")
        print("dockerd \(try await DockerRuntime().ping().version), caddy \(CaddyInstance.binary)")
        print("")
        if CommandLine.arguments.contains("--stores") {
            try await StoreBench.run()
            return
        }
        if CommandLine.arguments.contains("--mcp") {
            try await MCPBench.run()
            return
        }
        if CommandLine.arguments.contains("--footprint") {
            try await CaddyInstance.run { caddy in try await FootprintBench.run(caddy) }
            return
        }
        if CommandLine.arguments.contains("--nodes") {
            let perNode = Int(ProcessInfo.processInfo.environment["CODEB_BENCH_NODE_ENVIRONMENTS"] ?? "") ?? 700
            try await TwoNodeBench.run(environmentsPerNode: perNode)
            return
        }
        if CommandLine.arguments.contains("--https") {
            try await PebbleCA.run { ca in
                try await CaddyInstance.run(modern: true, acme: ca) { caddy in try await HTTPSBench.run(caddy) }
            }
            return
        }
        if CommandLine.arguments.contains("--bake") {
            try await CaddyInstance.run(modern: true) { caddy in try await BakeBench.run(caddy) }
            return
        }
        if CommandLine.arguments.contains("--services") {
            try await CaddyInstance.run { caddy in try await ServicesBench.run(caddy) }
            return
        }
        if CommandLine.arguments.contains("--pull") {
            try await CaddyInstance.run(modern: true) { caddy in try await PullBench.run(caddy) }
            return
        }
        // The floors first: a container's start and a Caddy reload, measured directly.
        var floors = LiveBench.Floors(start200: Stats([]), reload: Stats([]))
        try await TestScope.run { scope in
            floors.start200 = try await containerStartToFirst200(scope)
            let v1 = FreePort.next(), v2 = FreePort.next()
            try await scope.docker.start(try await scope.docker.create(scope.webSpec("v1", version: 1, hostPort: v1)))
            try await scope.docker.start(try await scope.docker.create(scope.webSpec("v2", version: 2, hostPort: v2)))
            for port in [v1, v2] { _ = try await eventually("upstream") { try await httpGet("http://127.0.0.1:\(port)/health") } }
            try await CaddyInstance.run { caddy in
                floors.reload = try await reloadLatency(caddy, upstreams: [v1, v2])
            }
        }
        if !CommandLine.arguments.contains("--live") {
            ControllerBench.planner()
            // Figure 2 at each size (`CODEB_BENCH_ENVIRONMENTS=100,300,1000`; `--scale` takes
            // those three), to show the cost of a pass per environment stays flat.
            let sizes = (ProcessInfo.processInfo.environment["CODEB_BENCH_ENVIRONMENTS"]
                ?? (CommandLine.arguments.contains("--scale") ? "100,300,1000" : "100")).split(separator: ",").compactMap { Int($0) }
            for size in sizes {
                try await CaddyInstance.run { caddy in
                    try await ControllerBench.noOpPass(caddy, environments: size)
                }
            }
            if CommandLine.arguments.contains("--scale") { return }
        }
        if CommandLine.arguments.contains("--apply") {
            // Figures 3–5 with the shared container cache and, side by side, with every pass listing.
            for shared in ProcessInfo.processInfo.environment["CODEB_BENCH_MARKS"] != nil ? [true] : [true, false] {
                print(shared ? "with the shared container cache (as the controller runs):" : "without it (every pass lists the containers), for comparison:")
                try await CaddyInstance.run(modern: true) { caddy in
                    try await LiveBench.run(caddy, floors: floors, switching: .file, full: true, sharedObservation: shared, switchUnderLoad: false)
                }
            }
            return
        }
        // Figures 3–6 on a Caddy ≥ 2.8 switching by route file, then figure 6 again switching
        // by reload (the same Caddy binary), side by side.
        try await CaddyInstance.run(modern: true) { caddy in
            try await LiveBench.run(caddy, floors: floors, switching: .file, full: true)
        }
        try await CaddyInstance.run(modern: true) { caddy in
            try await LiveBench.run(caddy, floors: floors, switching: .reload, full: false)
        }
        try await CaddyInstance.run(modern: true) { caddy in
            try await PullBench.run(caddy)
        }
        if CommandLine.arguments.contains("--live") { return }
        try await CaddyInstance.run { caddy in
            try await FootprintBench.run(caddy)
        }
        try await StoreBench.run()
        try await MCPBench.run()
    }

    /// create + start → the first HTTP 200 from the container's published port.
    static func containerStartToFirst200(_ scope: TestScope) async throws -> Stats {
        let n = 20
        var total: [Double] = [], api: [Double] = [], get: [Double] = []
        for index in 0..<n {
            let port = FreePort.next()
            // Shaped as the controller creates a slot: on its team's network, with its limits.
            var spec = scope.webSpec("start\(index)", hostPort: port)
            spec.network = ManagedLabels.network(of: "bench")
            spec.labels[ManagedLabels.team] = "bench"
            let start = ContinuousClock.now
            let id = try await scope.docker.create(spec)
            try await scope.docker.start(id)
            api.append(seconds(ContinuousClock.now - start))
            while (try? await httpGet("http://127.0.0.1:\(port)/health", timeout: .milliseconds(500)))?.status != 200 {
                try await Task.sleep(for: .milliseconds(2))
            }
            total.append(seconds(ContinuousClock.now - start))
            // The floor: one GET to the container once it is up.
            let (_, elapsed) = try await time { try await httpGet("http://127.0.0.1:\(port)/health") }
            get.append(elapsed)
            try await scope.docker.remove(id)
        }
        let totals = Stats(total), apis = Stats(api), gets = Stats(get)
        print("floor A. container create+start → first HTTP 200 (codeb-test/web, busybox httpd, on a team network with the slot's limits)")
        print("   " + totals.line("create+start → 200"))
        print("   " + apis.line("engine create+start calls alone"))
        print("   " + gets.line("floor: one GET to a running container"))
        print(String(format: "   ratio: total / engine calls = %.2f; the rest is process start until httpd answers", totals.median / apis.median))
        print("")
        return totals
    }

    /// Reload latency with 50 sites: a changed site (a real reload) against `/load` of the same
    /// config (Caddy adapts it, finds it unchanged and stops: the admin API + adapter floor).
    static func reloadLatency(_ caddy: CaddyInstance, upstreams: [Int]) async throws -> Stats {
        let router = caddy.router()
        let sites = try (0..<50).map { try site("s\($0)", upstreams: upstreams, revision: 1) }
        _ = try await router.apply(sites.map(SiteChange.write))
        var reloads: [Double] = [], floors: [Double] = []
        let caddyfile = try String(contentsOfFile: caddy.caddyfile, encoding: .utf8)
        for round in 0..<20 {
            let report = try await router.apply([.write(try site("s\(round % 50)", upstreams: upstreams.reversed(), revision: 2 + round))])
            reloads.append(seconds(report.reloadDuration ?? .zero))
            floors.append(try await unchangedLoad(caddy.admin, caddyfile))
        }
        let reload = Stats(reloads)
        printFigure("floor B. Caddy reload latency, 50 sites (\(CaddyInstance.binary))", reload, "one changed site → POST /load answered",
                    floor: Stats(floors), "floor: POST /load of an unchanged config", ratio: "reload / floor")
        return reload
    }

    static func site(_ name: String, upstreams: [Int], revision: Int) throws -> SiteConfig {
        SiteConfig(
            key: EnvironmentKey(project: try ResourceName(parsing: name), environment: .production),
            revision: revision, hash: "sha256:bench\(revision)",
            routes: [SiteRoute(domains: [try Hostname(parsing: "\(name).test")], upstreams: upstreams.map { Upstream(port: $0) })]
        )
    }

    static func unchangedLoad(_ admin: HTTPEndpoint, _ caddyfile: String) async throws -> Double {
        guard case .tcp(let host, let port) = admin else { return .nan }
        var request = HTTPClientRequest(url: "http://\(host):\(port)/load")
        request.method = .POST
        request.headers.replaceOrAdd(name: "Content-Type", value: "text/caddyfile")
        request.body = .bytes(ByteBuffer(string: caddyfile))
        let (_, elapsed) = try await time {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        return elapsed
    }
}
