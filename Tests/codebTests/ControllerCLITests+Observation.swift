import Drivers
import Foundation
import State
import TestSupport
import Testing

/// The shared observation: passes read one cache of the containers, which one list and the
/// engine's events keep current. Counted by a proxy in front of dockerd (this suite's own).
/// In `ControllerCLITests` (serialized): the staging port range.
extension ControllerCLITests {
    /// `codeb_reconciles_total{result="ok"}` as the controller says it.
    static func passes(_ port: Int) async throws -> Int {
        let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("codeb_reconciles_total{result=\"ok\"}") }
        return line.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { Int($0) } ?? 0
    }

    @Test func anIdleResyncListsNoContainerAndADriftIsStillRepaired() async throws {
        try await CaddyInstance.run { caddy in
            let project = "obs" + UUID().uuidString.prefix(8).lowercased()
            try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let proxy = try UnixSocketProxy(target: DockerRuntime.defaultSocketPath)
                defer { proxy.stop() }
                let token = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let (controller, port) = try await Self.startController(caddy, directory, arguments: ["--docker-socket", proxy.path, "--resync", "1"])
                defer { if controller.isRunning { controller.terminate() } }
                let session = CLISession(port: port, token: token)
                let file = directory + "/codeb.yaml"
                try Self.patientSpec(project: project, version: 1).write(toFile: file, atomically: true, encoding: .utf8)
                let live = try await session.run(["apply", "-f", file, "--wait", "--timeout", "60s"])
                #expect(live.status == 0, "\(live.stdout)\(live.stderr)")

                // Converged and idle: at least three resync passes, not one container list.
                let before = try await Self.passes(port)
                proxy.resetRequests()
                _ = try await eventually("three idle passes", within: .seconds(30)) { try await Self.passes(port) >= before + 3 ? true : nil }
                let requests = proxy.requests
                #expect(!requests.contains { $0.contains("/containers/json") }, "an idle pass listed containers: \(requests)")
                #expect(!requests.contains { $0.hasPrefix("POST") || $0.hasPrefix("DELETE") }, "an idle pass changed something: \(requests)")

                // Removed behind the controller's back: the event updates the cache and the pass repairs.
                let active = try #require(try await DockerRuntime().listManaged().first {
                    $0.labels[ManagedLabels.project] == project && $0.state == .running
                })
                try await DockerRuntime().remove(active.id)
                _ = try await eventually("a new container serving again", within: .seconds(60)) { () -> Bool? in
                    let now = try await DockerRuntime().listManaged().filter { $0.labels[ManagedLabels.project] == project && $0.state == .running }
                    guard now.contains(where: { $0.id != active.id }) else { return nil }
                    return (try? await caddy.get("\(project).test"))?.body == "codeb-test web v1\n" ? true : nil
                }
                controller.terminate()
                controller.waitUntilExit()
            }
        }
    }
}
