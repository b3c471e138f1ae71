import Drivers
import Foundation
import TestSupport
import Testing

/// Two controllers of different stores on one Docker host (a `make run` demo beside an install):
/// an environment of the same project, environment and slot names in the second is refused with
/// the cause, and the first's containers are never adopted, stopped or removed by it. In
/// `ControllerCLITests` (serialized).
extension ControllerCLITests {
    @Test func aSecondStoreOnTheSameDockerHostNeverTouchesTheFirstsContainers() async throws {
        try await CaddyInstance.run { caddyA in
            try await CaddyInstance.run { caddyB in
                let project = "two" + UUID().uuidString.prefix(8).lowercased()
                try await Self.cleaningUp(project) {
                    var sessions: [CLISession] = []
                    var controllers: [Process] = []
                    defer { controllers.forEach { if $0.isRunning { $0.terminate() } } }
                    for (caddy, ports) in [(caddyA, "production=14100-14299,staging=14500-14699,preview=15000-15199"),
                                           (caddyB, "production=14300-14499,staging=14700-14999,preview=15200-15499")] {
                        let directory = NSTemporaryDirectory() + "codeb-cli-" + project + "-\(sessions.count)"
                        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                        let member = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                            .trimmingCharacters(in: .whitespacesAndNewlines)
                        let (controller, port) = try await Self.startController(caddy, directory, arguments: ["--ports", ports])
                        controllers.append(controller)
                        sessions.append(CLISession(port: port, token: member))
                    }
                    let spec = Self.spec(project: project, version: 1)
                    let first = try await sessions[0].run(["apply", "-f", "-", "--wait", "--timeout", "60s"], stdin: spec)
                    try #require(first.status == 0, "\(first.stdout)\(first.stderr)")
                    let before = try await Self.containerIDs(project)
                    #expect(before.count == 1, "\(before)")

                    let second = try await sessions[1].run(["apply", "-f", "-", "--wait", "--timeout", "40s"], stdin: spec.replacingOccurrences(of: "deadline: 3s", with: "deadline: 6s"))
                    #expect(second.status == 3 || second.status == 4, "\(second.stdout)\(second.stderr)")
                    #expect(second.stdout.contains("another codeb controller on this Docker host"), "the cause, not a health story: \(second.stdout)")
                    // The first's container: the same one, still running, still served.
                    #expect(try await Self.containerIDs(project) == before)
                    #expect(try await caddyA.get("\(project).test").body == "codeb-test web v1\n")
                    let logs = try await sessions[1].run(["logs", project, "--env", "staging", "--tail", "5"])
                    #expect(logs.status != 0, "the second store has no container of its own to read: \(logs.stdout)")
                    _ = try await sessions[1].run(["delete", project, "--env", "staging"])
                    // Deleting it in the second store leaves the first's container alone too.
                    try await Task.sleep(for: .seconds(2))
                    #expect(try await Self.containerIDs(project) == before)
                }
            }
        }
    }

    /// The IDs of the running containers labelled with `project`.
    static func containerIDs(_ project: String) async throws -> Set<String> {
        let docker = DockerRuntime()
        let containers = try await docker.listManaged()
        let running = containers.filter { $0.labels["codeb.project"] == project && $0.state == .running }
        return Set(running.map(\.id))
    }
}
