import Foundation
import TestSupport
import Testing

/// Bakes through a real `codeb controller` on Caddy ≥ 2.8: `apply --wait` waits through the bake
/// and exits 6 saying why it reverted; a controller SIGKILLed mid-bake, while users meet the bad
/// release, reads what Caddy logged meanwhile when it is back and still reverts it.
extension ControllerCLITests {
    static func bakeSpec(project: String, version: Int) -> String {
        """
        project: \(project)
        team: acme
        image: codeb-test/web:\(version)
        port: 8080
        resources: { memory: 64m, cpus: 0.5 }
        healthcheck: { path: /health, interval: 200ms, timeout: 1s, healthyThreshold: 2, deadline: 30s }
        stopTimeout: 1s
        bake: { for: 60s, max-error-rate: 2%, min-requests: 30 }
        environments:
          staging: { domains: [\(project).test] }

        """
    }

    /// The staging environment's slots as `get -o json` shows them.
    static func slots(_ session: CLISession, _ project: String) async throws -> [[String: Any]] {
        let answer = try await session.run(["get", project, "-o", "json"])
        guard answer.status == 0, let projects = try JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [[String: Any]],
              let environments = projects.first?["environments"] as? [[String: Any]],
              let staging = environments.first(where: { $0["environment"] as? String == "staging" }),
              let slots = staging["slots"] as? [[String: Any]]
        else { return [] }
        return slots
    }

    @Test func applyWaitExitsSixOnARevertAndAControllerKilledMidBakeStillReverts() async throws {
        try await CaddyInstance.run(modern: true) { caddy in
            let project = "bak" + UUID().uuidString.prefix(8).lowercased()
            try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let token = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let arguments = ["--access-log-dir", directory + "/access-logs"]
                var (controller, port) = try await Self.startController(caddy, directory, arguments: arguments)
                defer { if controller.isRunning { controller.terminate() } }
                let session = CLISession(port: port, token: token)
                let file = directory + "/codeb.yaml"
                func apply(_ version: Int, wait: Bool = true) async throws -> CLI.Result {
                    try Self.bakeSpec(project: project, version: version).write(toFile: file, atomically: true, encoding: .utf8)
                    return try await session.run(["apply", "-f", file] + (wait ? ["--wait", "--timeout", "90s"] : []))
                }
                // About 40 requests/s (each a CGI fork in the app): enough for min-requests within a
                // second, without starving the tests beside this one.
                func users(_ count: Int) async {
                    for _ in 0..<count {
                        _ = try? await caddy.get("\(project).test", "/cgi-bin/app")
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }
                // v1: baked for a minute by the same rule; it is live from the start of it.
                let first = try await apply(1, wait: false)
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
                _ = try await eventually("v1 live") { try await Self.slots(session, project).contains { $0["state"] as? String == "active" } ? true : nil }

                // v3 fails a third of its users: --wait sees it baking, then reverted (exit 6).
                let usersTask = Task {
                    while !Task.isCancelled { await users(1) }
                }
                let reverted = try await apply(3)
                usersTask.cancel()
                #expect(reverted.status == 6, "\(reverted.stdout)\(reverted.stderr)")
                #expect(reverted.stderr.contains("reverted to revision 1: 5xx ") && reverted.stderr.contains("bar 2%"), "\(reverted.stderr)")
                let status = try await session.run(["get", project])
                #expect(status.stdout.contains("failed  codeb-test/web:3") && status.stdout.contains("reverted to revision 1: 5xx"), "\(status.stdout)")

                // Again (an unchanged file retries a reverted revision), with no users until the
                // controller is killed mid-bake; they meet v3 while it is down.
                let again = try await apply(3, wait: false)
                #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
                _ = try await eventually("revision 3 baking") {
                    try await Self.slots(session, project).contains { $0["revision"] as? Int == 3 && $0["bakeUntil"] != nil } ? true : nil
                }
                kill(controller.processIdentifier, SIGKILL)
                controller.waitUntilExit()
                await users(45)
                (controller, port) = try await Self.startController(caddy, directory, arguments: arguments, port: port)
                let back = try await eventually("revision 3 reverted after the restart", within: .seconds(30)) { () -> [String: Any]? in
                    try await Self.slots(session, project).first { $0["revision"] as? Int == 3 && $0["state"] as? String == "failed" }
                }
                #expect((back["failure"] as? String)?.hasPrefix("reverted to revision 1: 5xx ") == true, "\(back)")
                #expect(try await caddy.get("\(project).test", "/cgi-bin/app").body == "v1\n")
            }
        }
    }
}
