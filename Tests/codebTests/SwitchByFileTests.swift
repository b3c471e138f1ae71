import Foundation
import TestSupport
import Testing

extension ControllerCLITests {
    /// A real `codeb controller` (default `--switch auto`) on a real Caddy ≥ 2.8 and dockerd:
    /// after the first deploy, promotions and rollbacks switch by route file — Caddy never
    /// reloads — and with the controller SIGKILLed, traffic keeps flowing. On Debian's Caddy 2.6
    /// the same controller says in `/readyz` that switching falls back to reloads.
    @Suite(.timeLimit(.minutes(3)))
    struct SwitchByFileTests {
        static func readyz(_ port: Int) async throws -> [String: String] {
            let answer = try await httpGet("http://127.0.0.1:\(port)/readyz")
            return (try? JSONDecoder().decode([String: String].self, from: Data(answer.body.utf8))) ?? [:]
        }

        @Test func promotionsAndRollbacksReloadNothingAndTrafficOutlivesTheController() async throws {
            try await CaddyInstance.run(modern: true) { caddy in
                let project = "swf" + UUID().uuidString.prefix(8).lowercased()
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                Cleanup.add { await ControllerCLITests.removeContainers(project) }
                let token = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let (controller, port) = try await ControllerCLITests.startController(caddy, directory)
                defer { if controller.isRunning { controller.terminate() } }
                var environment = ProcessInfo.processInfo.environment
                environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
                environment["CODEB_TOKEN"] = token
                let file = directory + "/codeb.yaml"
                func run(_ arguments: [String]) async throws {
                    let result = try await CLI.run(arguments, environment: environment)
                    #expect(result.status == 0, "\(arguments): \(result.stdout)\(result.stderr)")
                }
                func served(_ version: Int) async throws {
                    for _ in 0..<10 { #expect(try await caddy.get("\(project).test").body == "codeb-test web v\(version)\n") }
                }

                try stagingSpec(project, image: "codeb-test/web:1", round: 1).write(toFile: file, atomically: true, encoding: .utf8)
                try await run(["apply", "-f", file, "--wait", "--timeout", "60s"])
                try await served(1)
                let switching = try await Self.readyz(port)["switching"] ?? ""
                #expect(switching.hasPrefix("file"), "\(switching)")
                let loads = caddy.loadsCompleted()

                try stagingSpec(project, image: "codeb-test/web:2", round: 2).write(toFile: file, atomically: true, encoding: .utf8)
                try await run(["apply", "-f", file, "--wait", "--timeout", "60s"])
                try await served(2)
                try await run(["rollback", project, "--env", "staging", "--wait", "--timeout", "60s"])
                try await served(1)
                try await run(["rollback", project, "--env", "staging", "--wait", "--timeout", "60s"])
                try await served(2)
                #expect(caddy.loadsCompleted() == loads, "a deploy and two rollbacks reloaded Caddy \(caddy.loadsCompleted() - loads) times")

                // The controller gone (SIGKILL): Caddy still reads the route files.
                kill(controller.processIdentifier, SIGKILL)
                controller.waitUntilExit()
                try await served(2)
                await ControllerCLITests.removeContainers(project)
            }
        }

        @Test func onCaddy26TheControllerSaysSwitchingFallsBackToReloads() async throws {
            try await CaddyInstance.run { caddy in
                let directory = NSTemporaryDirectory() + "codeb-cli-sw26" + UUID().uuidString.prefix(8).lowercased()
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let (controller, port) = try await ControllerCLITests.startController(caddy, directory)
                defer { if controller.isRunning { controller.terminate() } }
                let switching = try await eventually("the switch mode decided") {
                    let line = try await Self.readyz(port)["switching"] ?? ""
                    return line.hasPrefix("not decided") || line.isEmpty ? nil : line
                }
                #expect(switching.hasPrefix("reload: this Caddy does not evaluate {file.*}"), "\(switching)")
                controller.terminate()
                controller.waitUntilExit()
                let log = try String(contentsOfFile: directory + "/controller-\(port).log", encoding: .utf8)
                #expect(log.contains("switching falls back to Caddy reloads"), "said in the log")
            }
        }
    }
}
