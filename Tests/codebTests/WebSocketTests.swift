import Foundation
import TestSupport
import Testing

extension ControllerCLITests {
    /// The promise of switching by route file, on a real controller, Caddy 2.11 and dockerd: a
    /// WebSocket held open through Caddy to project A keeps echoing across ten deploys of
    /// another team's project B (no Caddy reload: a reload would close it) and across a deploy
    /// of A itself, whose old slot it stays on (drained, warm as the grace slot) while new
    /// connections reach the new version.
    @Suite(.timeLimit(.minutes(4)))
    struct WebSocketTests {
        @Test func aWebSocketOutlivesTenDeploysOfAnotherProjectAndADeployOfItsOwn() async throws {
            try await CaddyInstance.run(modern: true) { caddy in
                let id = UUID().uuidString.prefix(6).lowercased()
                let (a, b) = ("wsa" + id, "wsb" + id)
                let directory = NSTemporaryDirectory() + "codeb-cli-ws" + id
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                Cleanup.add { await ControllerCLITests.removeContainers(a); await ControllerCLITests.removeContainers(b) }
                func key(_ team: String) async throws -> String {
                    try await CLI.run(["keys", "create", "--team", team, "--role", "member", "--state-dir", directory]).stdout
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let (teamA, teamB) = (try await key("alpha"), try await key("beta"))
                let (controller, port) = try await ControllerCLITests.startController(caddy, directory)
                defer { if controller.isRunning { controller.terminate() } }
                func deploy(_ project: String, team: String, token: String, image: String, round: Int) async throws {
                    let file = directory + "/\(project)-\(round).yaml"
                    try stagingSpec(project, team: team, image: image, round: round).write(toFile: file, atomically: true, encoding: .utf8)
                    var environment = ProcessInfo.processInfo.environment
                    environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
                    environment["CODEB_TOKEN"] = token
                    let result = try await CLI.run(["apply", "-f", file, "--wait", "--timeout", "60s"], environment: environment)
                    #expect(result.status == 0, "\(project) round \(round): \(result.stdout)\(result.stderr)")
                }

                try await deploy(a, team: "alpha", token: teamA, image: "codeb-test/ws:1", round: 0)
                try await deploy(b, team: "beta", token: teamB, image: "codeb-test/web:1", round: 0)
                let socket = try WebSocketTestClient(port: caddy.httpPort, host: "\(a).test:\(caddy.httpPort)")
                #expect(try socket.echo("hello") == "v1:hello")

                let loads = caddy.loadsCompleted()
                for round in 1...10 {
                    try await deploy(b, team: "beta", token: teamB, image: "codeb-test/web:\(round % 2 + 1)", round: round)
                    #expect(try await caddy.get("\(b).test").body == "codeb-test web v\(round % 2 + 1)\n")
                    #expect(try socket.echo("after B's deploy \(round)") == "v1:after B's deploy \(round)")
                }
                #expect(caddy.loadsCompleted() == loads, "ten deploys of B reloaded Caddy \(caddy.loadsCompleted() - loads) times")

                // A itself: the held connection stays on the old slot; a new one gets v2.
                try await deploy(a, team: "alpha", token: teamA, image: "codeb-test/ws:2", round: 1)
                let fresh = try WebSocketTestClient(port: caddy.httpPort, host: "\(a).test:\(caddy.httpPort)")
                #expect(try fresh.echo("new") == "v2:new")
                #expect(try socket.echo("after A's own deploy") == "v1:after A's own deploy")
                #expect(caddy.loadsCompleted() == loads, "A's deploy reloaded Caddy")
                controller.terminate()
                controller.waitUntilExit()
                await ControllerCLITests.removeContainers(a)
                await ControllerCLITests.removeContainers(b)
            }
        }
    }
}
