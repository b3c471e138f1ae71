import Controller
import Drivers
import Foundation
import Spec
import State
import TestSupport

/// 7. The `codeb controller` process itself: start-up time to ready, and resident memory and
/// CPU while idle, with 1,000 projects in the (file) store next to an empty one (their ports
/// from wide ranges: three ports each, 3,000 in all).
///
/// The projects are placed on another node (`nodes: [elsewhere]`), so this host runs
/// none of their containers: what is measured is the controller's own cost of knowing them —
/// loading, resyncing and planning them.
enum FootprintBench {
    static func run(_ caddy: CaddyInstance) async throws {
        let binary = ProcessInfo.processInfo.environment["CODEB_BIN"]
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "codeb").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchFailure("no codeb binary at \(binary); `make bench` builds it (or set CODEB_BIN)")
        }
        // The default ranges (production 4100–4499, staging 4500–4999, preview 5000–5499) hold
        // fewer; the store is filled through ranges as wide as `--ports` would make them.
        let capacity = 1000
        let empty = try await prepare(projects: 0)
        let full = try await prepare(projects: capacity)
        var startups: [String: [Double]] = [:], residents: [String: [Double]] = [:], cpus: [String: Double] = [:]
        let idleSeconds = Int(ProcessInfo.processInfo.environment["CODEB_BENCH_IDLE_SECONDS"] ?? "") ?? 20
        for (name, directory) in [("empty", empty), ("1,000 projects", full)] {
            for round in 0..<5 {
                let (process, startup) = try await start(binary, directory, caddy)
                startups[name, default: []].append(startup)
                if round == 4 {
                    // Idle: after the start-up resync has settled, sample for a while.
                    try await Task.sleep(for: .seconds(3))
                    let before = ProcessStats.cpuSeconds(process.processIdentifier), wall = ContinuousClock.now
                    for _ in 0..<idleSeconds {
                        try await Task.sleep(for: .seconds(1))
                        residents[name, default: []].append(Double(ProcessStats.residentKiB(process.processIdentifier)) / 1024)
                    }
                    cpus[name] = (ProcessStats.cpuSeconds(process.processIdentifier) - before) / seconds(ContinuousClock.now - wall)
                }
                process.terminate()
                process.waitUntilExit()
            }
        }
        let version = try await timeProcess(binary, ["version"])
        print("7. controller footprint (release `codeb controller`, file store, resync 30 s): 1,000 projects × 1 environment, placed on another node")
        for name in ["empty", "1,000 projects"] {
            let startup = Stats(startups[name] ?? []), resident = Stats(residents[name] ?? [])
            print("   \(name) store:")
            print("     " + startup.line("start → /readyz 200"))
            print("     idle resident memory: \(resident.values(unit: "MiB")) (1 s samples); " + String(format: "idle CPU %.2f%% of one core over %d s", (cpus[name] ?? 0) * 100, idleSeconds))
        }
        let emptyStart = Stats(startups["empty"] ?? []).median, fullStart = Stats(startups["1,000 projects"] ?? []).median
        let emptyRSS = Stats(residents["empty"] ?? []).median, fullRSS = Stats(residents["1,000 projects"] ?? []).median
        print("   " + version.line("floor: `codeb version` (process start and exit)"))
        print(String(format: "   ratios: start-up full / empty = %.2f, full / floor = %.1f; memory full / empty = %.2f (+%.1f MiB, %.1f KiB per project)",
                     fullStart / emptyStart, fullStart / version.median, fullRSS / emptyRSS, fullRSS - emptyRSS, (fullRSS - emptyRSS) * 1024 / Double(capacity)))
        print("")
    }

    /// A state directory with a member key and `projects` projects placed elsewhere.
    static func prepare(projects: Int) async throws -> String {
        let directory = NSTemporaryDirectory() + "codeb-bench-footprint-" + UUID().uuidString.prefix(8)
        let prefix = "fp" + UUID().uuidString.prefix(4).lowercased()
        try "# bench\n".write(toFile: directory + ".yaml", atomically: true, encoding: .utf8)
        // The store goes out of scope (and releases its lock) before the controller starts.
        let store = try FileStore(directory: directory)
        let operations = StateOperations(store: store, ports: PortRanges(production: 10000...11999, staging: 12000...12999, preview: 13000...13999))
        for index in 0..<projects {
            // One environment each: 500 production, 250 staging, 250 previews.
            let environment = index < 500 ? "production" : (index < 750 ? "staging" : "preview-pr-\(index)")
            let declared = index < 750 ? "\(environment): { domains: [\(environment).app-\(index).example.com] }" : "preview: { env: { PREVIEW: \"1\" } }"
            let spec = try SpecLoader.load("""
                project: \(prefix)-\(index)
                team: bench
                image: registry.example.com/app-\(index):1.0.\(index)
                port: 3000
                nodes: [elsewhere]
                env: { INDEX: "\(index)", DATABASE_URL: "postgres://db.internal/app\(index)" }
                environments:
                  \(declared)

                """, file: "bench")
            try await operations.apply(spec, environment: try EnvironmentName(parsing: environment), author: "bench")
        }
        return directory
    }

    static func start(_ binary: String, _ directory: String, _ caddy: CaddyInstance) async throws -> (Process, Double) {
        let port = FreePort.next()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "controller", "--listen", "127.0.0.1:\(port)", "--state-dir", directory, "--config", directory + ".yaml",
            "--caddy-config", caddy.caddyfile, "--caddy-sites", caddy.sitesDirectory, "--caddy-admin", "\(caddy.admin)",
            "--caddy-http-port", "\(caddy.httpPort)", "--node", "here",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        let deadline = started + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await httpGet("http://127.0.0.1:\(port)/readyz", timeout: .seconds(1)))?.status == 200 {
                return (process, seconds(ContinuousClock.now - started))
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        process.terminate()
        throw BenchFailure("the controller on \(directory) was not ready within 60 s")
    }

    static func timeProcess(_ binary: String, _ arguments: [String]) async throws -> Stats {
        var times: [Double] = []
        for _ in 0..<10 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            let start = ContinuousClock.now
            try process.run()
            process.waitUntilExit()
            times.append(seconds(ContinuousClock.now - start))
        }
        return Stats(times)
    }
}
