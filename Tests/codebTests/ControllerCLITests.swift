import Drivers
import Foundation
import MCP
import State
import TestSupport
import TestTraits
import Testing

/// The CLI against a real `codeb controller` process, on the real dockerd and a real Caddy.
/// Uses the staging port range so it never meets the production-range end-to-end tests.
@Suite(.serialized, .timeLimit(.minutes(3)), .cleansUp)
struct ControllerCLITests {
    static func spec(project: String, version: Int, health: String = "/health") -> String {
        """
        project: \(project)
        team: acme
        image: codeb-test/web:\(version)
        port: 8080
        resources: { memory: 64m, cpus: 0.5 }
        healthcheck: { path: \(health), interval: 200ms, timeout: 1s, healthyThreshold: 2, deadline: 3s }
        stopTimeout: 1s
        environments:
          staging: { domains: [\(project).test] }

        """
    }

    @Test func applyWaitFailRollbackStatusAndShutdown() async throws {
        try await CaddyInstance.run { caddy in
            let project = "cli" + UUID().uuidString.prefix(8).lowercased()
            let directory = NSTemporaryDirectory() + "codeb-cli-" + project
            let created = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory])
            #expect(created.status == 0)
            let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let port = FreePort.next()
            let controller = Process()
            controller.executableURL = PackagePaths.binary
            controller.arguments = [
                "controller", "--listen", "127.0.0.1:\(port)", "--state-dir", directory, "--config", directory + "/controller.yaml",
                "--caddy-config", caddy.caddyfile, "--caddy-sites", caddy.sitesDirectory, "--caddy-admin", "\(caddy.admin)",
                "--caddy-http-port", "\(caddy.httpPort)", "--resync", "5",
            ] + TestPorts.arguments
            let log = directory + "/controller.log"
            try "# defaults\n".write(toFile: directory + "/controller.yaml", atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            controller.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            controller.standardOutput = controller.standardError
            try controller.run()
            Cleanup.add { await Self.removeContainers(project) }
            defer {
                if controller.isRunning { controller.terminate() }
            }
            _ = try await eventually("the controller's /healthz") { try await httpGet("http://127.0.0.1:\(port)/healthz").status == 200 ? true : nil }

            var environment = ProcessInfo.processInfo.environment
            environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
            environment["CODEB_TOKEN"] = token
            let file = directory + "/codeb.yaml"
            func apply(_ version: Int, health: String = "/health") async throws -> CLI.Result {
                try Self.spec(project: project, version: version, health: health).write(toFile: file, atomically: true, encoding: .utf8)
                return try await CLI.run(["apply", "-f", file, "--wait", "--timeout", "60s"], environment: environment)
            }

            let first = try await apply(1)
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("\(project)/staging: created revision 1"))
            #expect(first.stdout.contains("live: revision 1"))
            #expect(first.stdout.contains("health 0/2") || first.stdout.contains("health 1/2") || first.stdout.contains("revision 1: starting"))
            #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")

            // Piped (`envsubst < codeb.yaml | codeb apply -f -`): standard input is read once.
            let dry = try await CLI.run(["apply", "-f", "-", "--dry-run"], stdin: Data(Self.spec(project: project, version: 2).utf8), environment: environment)
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("would create revision 2"))
            #expect(dry.stdout.contains("plan: record green=deployed(r2)"))
            #expect(dry.stdout.contains("plan: create \(project)-staging-green"))
            try Self.spec(project: project, version: 1).write(toFile: file, atomically: true, encoding: .utf8)

            let same = try await CLI.run(["diff", "-f", file], environment: environment)
            #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
            let changed = try await CLI.run(["diff", "-f", "-"], stdin: Data(Self.spec(project: project, version: 2).utf8), environment: environment)
            #expect(changed.status == 2)
            #expect(changed.stdout.contains("image: codeb-test/web:1 → codeb-test/web:2"))

            let logs = try await CLI.run(["logs", project, "--env", "staging", "--tail", "5"], environment: environment)
            #expect(logs.status == 0, "\(logs.stderr)")

            let events = try await CLI.run(["events", "--project", project], environment: environment)
            #expect(events.status == 0)
            #expect(events.stdout.contains("\(project)/staging"))
            // In the user's words by default; the planner's actions with --raw.
            #expect(events.stdout.contains("revision 1 deployed on blue (codeb-test/web:1)"), "\(events.stdout)")
            #expect(events.stdout.contains("revision 1 healthy on blue") && events.stdout.contains("revision 1 live on blue"), "\(events.stdout)")
            #expect(!events.stdout.contains("create \(project)-staging-blue"))
            let raw = try await CLI.run(["events", "--project", project, "--raw"], environment: environment)
            #expect(raw.stdout.contains("create \(project)-staging-blue") && raw.stdout.contains("revision 1 live on blue"), "\(raw.stdout)")

            let failing = try await apply(2, health: "/missing")
            #expect(failing.status == 3, "\(failing.stdout)\(failing.stderr)")
            #expect(failing.stdout.contains("rollout failed"))
            #expect(failing.stdout.contains("last lines of \(project)-staging-green"))
            #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")

            let second = try await apply(2)
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
            #expect(try await caddy.get("\(project).test").body == "codeb-test web v2\n")

            let rollback = try await CLI.run(["rollback", project, "--env", "staging"], environment: environment)
            #expect(rollback.status == 0, "\(rollback.stderr)")
            _ = try await eventually("v1 served after rollback") {
                (try? await caddy.get("\(project).test"))?.body == "codeb-test web v1\n" ? true : nil
            }

            // The answers of a real controller with live, failed and rolled-back slots are what the
            // contract declares, property by property.
            for (path, route) in [("/v1/projects/\(project)", "/v1/projects/{project}"), ("/v1/projects", "/v1/projects"),
                                  ("/v1/projects/\(project)/environments/staging/history", "/v1/projects/{project}/environments/{environment}/history"),
                                  ("/v1/events?project=\(project)", "/v1/events")] {
                let answer = try await httpGet("http://127.0.0.1:\(port)\(path)", token: token)
                let schema = try #require(ContractConformance.schema("GET", route, status: answer.status), "\(path): \(answer.status)")
                let problems = ContractConformance.problems(try JSONDecoder().decode(Value.self, from: Data(answer.body.utf8)), schema)
                #expect(problems.isEmpty, "\(path): \(problems)")
            }

            let status = try await CLI.run(["get", project], environment: environment)
            #expect(status.status == 0)
            #expect(status.stdout.contains("staging"))
            #expect(status.stdout.contains("active"))
            #expect(status.stdout.contains("codeb-test/web:1"))

            let denied = try await CLI.run(["status"], environment: environment.merging(["CODEB_TOKEN": "codeb_acme_member_" + String(repeating: "0", count: 40)]) { $1 })
            #expect(denied.status == 1)
            #expect(denied.stderr.contains("unknown or revoked"))

            let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics")
            #expect(metrics.status == 200)
            // Every family of the catalogue, with its help and type, whether recorded yet or not.
            for family in MetricFamily.allCases {
                #expect(metrics.body.contains("# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)"), "\(family.name) missing from /metrics")
            }
            // Known series at zero from the start (no reload was rejected by Caddy here).
            #expect(metrics.body.contains(#"codeb_caddy_reloads_total{result="rejected"} 0"#))
            // Requests by matched route and status; rollouts timed from apply, both outcomes seen.
            #expect(metrics.body.contains(#"codeb_api_requests_total{route="/v1/projects/{project}",method="GET",status="200"}"#), "\(metrics.body.split(separator: "\n").filter { $0.hasPrefix("codeb_api_requests_total") })")
            #expect(metrics.body.contains(#"codeb_api_request_seconds_count{route="/v1/apply",method="POST"}"#))
            #expect(metrics.body.contains(#"codeb_rollout_seconds_count{outcome="live"}"#) && metrics.body.contains(#"codeb_rollout_seconds_count{outcome="failed"}"#))
            #expect(metrics.body.contains(#"codeb_slots{team="acme",state="active"} 1"#), "\(metrics.body.split(separator: "\n").filter { $0.hasPrefix("codeb_slots") })")
            // Every sample line is Prometheus text: a name and labels without dots.
            for line in metrics.body.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.wholeMatch(of: /[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? \S+/) != nil, "not Prometheus text: \(line)")
            }

            controller.terminate()  // SIGTERM
            controller.waitUntilExit()
            #expect(controller.terminationStatus == 0)
            // The key reached the controller on every request; it must never reach its log.
            let logText = try String(contentsOfFile: log, encoding: .utf8)
            #expect(!logText.contains(token))
            #expect(!logText.contains(String(token.suffix(40))))
            #expect(logText.contains("revision="), "rollout lines carry the revision")
            await Self.removeContainers(project)
        }
    }

    /// Starts `codeb controller` for `caddy`, state in `directory`; returns the process and its port.
    static func startController(_ caddy: CaddyInstance, _ directory: String, environment: [String: String] = [:], arguments: [String] = [],
                                config: String = "# defaults\n", port: Int = FreePort.next()) async throws -> (Process, Int) {
        let controller = Process()
        controller.executableURL = PackagePaths.binary
        controller.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try config.write(toFile: directory + "/controller.yaml", atomically: true, encoding: .utf8)
        controller.arguments = [
            "controller", "--listen", "127.0.0.1:\(port)", "--state-dir", directory, "--config", directory + "/controller.yaml",
            "--caddy-config", caddy.caddyfile, "--caddy-sites", caddy.sitesDirectory, "--caddy-admin", "\(caddy.admin)",
            "--caddy-http-port", "\(caddy.httpPort)", "--resync", "5",
        ] + (arguments.contains("--ports") ? [] : TestPorts.arguments) + arguments
        // Each test controller seals with a key of its own, never the host's /etc/codeb one.
        if !arguments.contains("--secret-key-file") { controller.arguments! += ["--secret-key-file", directory + "/secret.key"] }
        let log = directory + "/controller-\(port).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        controller.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        controller.standardOutput = controller.standardError
        try controller.run()
        _ = try await eventually("the controller's /healthz") { try await httpGet("http://127.0.0.1:\(port)/healthz").status == 200 ? true : nil }
        return (controller, port)
    }

    @Test func sigtermDuringARolloutLosesNothing() async throws {
        try await CaddyInstance.run { caddy in
            let project = "sig" + UUID().uuidString.prefix(8).lowercased()
            let directory = NSTemporaryDirectory() + "codeb-cli-" + project
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let token = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            var (controller, port) = try await Self.startController(caddy, directory)
            defer {
                if controller.isRunning { controller.terminate() }
            }
            var environment = ProcessInfo.processInfo.environment
            environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
            environment["CODEB_TOKEN"] = token
            // A slow health gate (15 probes 200 ms apart) leaves time to stop the controller mid-rollout.
            let file = directory + "/codeb.yaml"
            try Self.spec(project: project, version: 1).replacingOccurrences(of: "healthyThreshold: 2, deadline: 3s", with: "healthyThreshold: 15, deadline: 60s")
                .write(toFile: file, atomically: true, encoding: .utf8)
            let applied = try await CLI.run(["apply", "-f", file], environment: environment)
            #expect(applied.status == 0, "\(applied.stderr)")
            _ = try await eventually("the rollout to start") {
                let status = try await CLI.run(["status", project, "-o", "json"], environment: environment)
                return status.stdout.contains("\"deployed\"") ? true : nil
            }
            controller.terminate()  // SIGTERM mid-rollout
            controller.waitUntilExit()
            #expect(controller.terminationStatus == 0)

            (controller, port) = try await Self.startController(caddy, directory)
            environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
            _ = try await eventually("the restarted controller to finish the rollout", within: .seconds(60)) {
                (try? await caddy.get("\(project).test"))?.body == "codeb-test web v1\n" ? true : nil
            }
            let containers = try await DockerRuntime().listManaged().filter { $0.labels[ManagedLabels.project] == project }
            #expect(containers.count == 1, "no duplicate container")
            controller.terminate()
            controller.waitUntilExit()
            await Self.removeContainers(project)
        }
    }

    @Test func underSystemdItSignalsReadyWatchdogAndStopping() async throws {
        try await CaddyInstance.run { caddy in
            let directory = NSTemporaryDirectory() + "codeb-cli-notify-" + UUID().uuidString.prefix(8).lowercased()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let listener = try NotifyListener("@codeb-test-notify-\(UUID().uuidString.prefix(8))")
            let (controller, _) = try await Self.startController(caddy, directory, environment: [
                "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000",
            ])
            defer { if controller.isRunning { controller.terminate() } }
            var messages: [String] = []
            let deadline = ContinuousClock.now + .seconds(20)
            while !messages.contains(where: { $0.hasPrefix("WATCHDOG=1") }), ContinuousClock.now < deadline {
                if let message = listener.receive() { messages.append(message) }
            }
            #expect(messages.contains { $0.hasPrefix("READY=1") })
            #expect(messages.contains("WATCHDOG=1"))
            let ready = messages.firstIndex { $0.hasPrefix("READY=1") } ?? .max
            let watchdog = messages.firstIndex { $0 == "WATCHDOG=1" } ?? -1
            #expect(ready < watchdog, "ready before the first watchdog ping")
            controller.terminate()
            var stopping = false
            while !stopping, let message = listener.receive() { stopping = message == "STOPPING=1" }
            #expect(stopping)
            controller.waitUntilExit()
            #expect(controller.terminationStatus == 0)
        }
    }

    /// Removes the project's containers, and again any that a controller still shutting down
    /// (SIGTERM, not waited for) brings back, until none has come back for a second (at most
    /// 10 s): a container left behind would hold its test port for the next test.
    static func removeContainers(_ project: String) async {
        let docker = DockerRuntime()
        let deadline = ContinuousClock.now + .seconds(10)
        var quietSince = ContinuousClock.now
        while ContinuousClock.now < deadline, ContinuousClock.now - quietSince < .seconds(1) {
            let left = ((try? await docker.listManaged()) ?? []).filter { $0.labels[ManagedLabels.project] == project }
            if !left.isEmpty { quietSince = ContinuousClock.now }
            for container in left { try? await docker.remove(container.id) }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
