import Drivers
import Foundation
import State
import TestSupport
import TestTraits
import Testing

/// The suites that must run alone: they restart the machine's dockerd or load it. `make test`
/// skips them in the parallel run and runs them afterwards, one at a time (`.serialized`
/// covers the nested suites).
@Suite(.serialized, .cleansUp)
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
            Cleanup.add { await ControllerCLITests.removeContainers(project) }
            defer {
                if controller.isRunning { controller.terminate() }
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
    /// Stops dockerd and starts it again with the same executable, arguments and working
    /// directory. Everything the restart needs is read before the stop, and a start that fails
    /// is tried again with the packaged binary: the suites after this one (and a `make run` beside
    /// it) need a dockerd, so this never leaves the host without one while it can help it.
    static func restart(pidFile: String = "/var/run/docker.pid") async throws {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ControllerCLITests.FaultTests.CommandFailed(description: "no dockerd pid in \(pidFile); the isolated suite needs the dockerd .ci/setup starts")
        }
        // argv[0] is what the starter typed ("dockerd" found on PATH, or a relative path):
        // /proc/PID/exe names the binary itself.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        let arguments = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.dropFirst()
        let workingDirectory = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
        let log = workingDirectory + "/dockerd-restarted.log"
        kill(pid, SIGTERM)
        _ = try await eventually("dockerd \(pid) to exit", within: .seconds(60)) { kill(pid, 0) != 0 ? true : nil }

        var failures: [String] = []
        for candidate in [executable, "/usr/sbin/dockerd", "/usr/bin/dockerd"] where FileManager.default.isExecutableFile(atPath: candidate) {
            var process: Process?
            do {
                process = try start(candidate, Array(arguments), in: workingDirectory, log: log)
                _ = try await eventually("dockerd (\(candidate)) to answer again", within: .seconds(60)) { try await DockerRuntime().ping() }
                return
            } catch {
                failures.append("\(candidate): \(error)")
                // A dockerd that started but never answered holds the pid file and socket.
                if let process, process.isRunning { process.terminate(); process.waitUntilExit() }
            }
        }
        let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(2_000)) } ?? ""
        throw ControllerCLITests.FaultTests.CommandFailed(description: "dockerd did not come back (\(failures.joined(separator: "; "))); its log ends: \(tail)")
    }

    private static func start(_ executable: String, _ arguments: [String], in workingDirectory: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
