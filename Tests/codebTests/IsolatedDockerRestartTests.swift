import Drivers
import Foundation
import TestSupport
import Testing

/// The suites that must run alone: they restart the machine's dockerd or load it. `make test`
/// skips them in the parallel run and runs them afterwards, one at a time (`.serialized`
/// covers the nested suites).
@Suite(.serialized)
struct Isolated {}

/// dockerd restarted in the middle of a rollout.
extension Isolated {
@Suite(.timeLimit(.minutes(4)))
struct DockerRestartTests {
    @Test func aRolloutSurvivesDockerdRestartingUnderIt() async throws {
        try await CaddyInstance.run { caddy in
            let project = "dockerd" + UUID().uuidString.prefix(8).lowercased()
            let directory = NSTemporaryDirectory() + "codeb-isolated-" + project
            let (controller, environment) = try await ControllerCLITests.FaultTests.controller(caddy, directory)
            defer {
                if controller.isRunning { controller.terminate() }
                Task { await ControllerCLITests.removeContainers(project) }
            }
            let first = try await ControllerCLITests.FaultTests.apply(project, version: 1, in: directory, environment)
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")

            // A slow health gate (15 probes 200 ms apart) keeps the rollout open across the restart.
            let file = directory + "/slow.yaml"
            try ControllerCLITests.spec(project: project, version: 2)
                .replacingOccurrences(of: "healthyThreshold: 2, deadline: 3s", with: "healthyThreshold: 15, deadline: 120s")
                .write(toFile: file, atomically: true, encoding: .utf8)
            let second = try await CLI.run(["apply", "-f", file], environment: environment)
            #expect(second.status == 0, "\(second.stderr)")
            _ = try await eventually("the v2 container to run") {
                try await DockerRuntime().listManaged().contains { $0.labels[ManagedLabels.project] == project && $0.image == "codeb-test/web:2" && $0.state == .running } ? true : nil
            }
            try await Dockerd.restart()
            #expect(controller.isRunning, "the controller outlived dockerd")

            _ = try await eventually("v2 served after dockerd came back", within: .seconds(90)) {
                (try? await caddy.get("\(project).test"))?.body == "codeb-test web v2\n" ? true : nil
            }
            let containers = try await DockerRuntime().listManaged().filter { $0.labels[ManagedLabels.project] == project }
            #expect(containers.count == 2, "the active slot and the warm grace slot, no duplicate: \(containers.map(\.name))")
            #expect(Set(containers.compactMap { $0.labels[ManagedLabels.slot] }).count == containers.count)
            let status = try await CLI.run(["get", project, "-o", "json"], environment: environment)
            #expect(status.stdout.contains("RolloutComplete"), "\(status.stdout)")
            controller.terminate()
            controller.waitUntilExit()
            #expect(controller.terminationStatus == 0)
            await ControllerCLITests.removeContainers(project)
        }
    }
}
}

/// The machine's dockerd, restarted with the command line it runs with (as `.ci/setup` started
/// it, or an init system).
enum Dockerd {
    static func restart(pidFile: String = "/var/run/docker.pid") async throws {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ControllerCLITests.FaultTests.CommandFailed(description: "no dockerd pid in \(pidFile); the isolated suite needs the dockerd .ci/setup starts")
        }
        let commandLine = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let workingDirectory = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
        kill(pid, SIGTERM)
        _ = try await eventually("dockerd \(pid) to exit", within: .seconds(60)) { kill(pid, 0) != 0 ? true : nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: commandLine[0])
        process.arguments = Array(commandLine.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        let log = workingDirectory + "/dockerd-restarted.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = process.standardOutput
        process.standardInput = FileHandle.nullDevice
        try process.run()
        _ = try await eventually("dockerd to answer again", within: .seconds(60)) { try await DockerRuntime().ping() }
    }
}
