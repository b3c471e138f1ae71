import Drivers
import Foundation
import TestSupport
import Testing

/// Nested in `ControllerCLITests`, whose `.serialized` keeps every test that runs a controller
/// process (and allocates the staging ports from a fresh store) one at a time.
extension ControllerCLITests {
    /// The reliability suite's faults around a real controller: Caddy going away and coming back,
    /// a full and a read-only state directory, a corrupt state file. Each asserts what the user
    /// sees and that the previous state is intact.
    @Suite(.timeLimit(.minutes(3)))
    struct FaultTests {
        /// A member key, a controller on `caddy` with its state in `directory`, and the CLI's environment for it.
        static func controller(_ caddy: CaddyInstance, _ directory: String, arguments: [String] = []) async throws -> (Process, [String: String]) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let created = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory])
            #expect(created.status == 0, "\(created.stderr)")
            let (process, port) = try await ControllerCLITests.startController(caddy, directory, arguments: arguments)
            var environment = ProcessInfo.processInfo.environment
            environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
            environment["CODEB_TOKEN"] = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return (process, environment)
        }

        static func apply(_ project: String, version: Int, in directory: String, _ environment: [String: String], wait: Bool = true) async throws -> CLI.Result {
            let file = directory + "/codeb-\(version).yaml"
            try ControllerCLITests.spec(project: project, version: version).write(toFile: file, atomically: true, encoding: .utf8)
            return try await CLI.run(["apply", "-f", file] + (wait ? ["--wait", "--timeout", "60s"] : []), environment: environment)
        }

        @Test func trafficReturnsWhenCaddyComesBackAndStatusSaysDegradedMeanwhile() async throws {
            try await CaddyInstance.run { caddy in
                let project = "proxy" + UUID().uuidString.prefix(8).lowercased()
                let directory = NSTemporaryDirectory() + "codeb-fault-" + project
                let (controller, environment) = try await Self.controller(caddy, directory)
                Cleanup.add { await ControllerCLITests.removeContainers(project) }
                defer {
                    if controller.isRunning { controller.terminate() }
                }
                let applied = try await Self.apply(project, version: 1, in: directory, environment)
                #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
                #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")

                caddy.kill()
                let outage = ContinuousClock.now
                let degraded = try await eventually("Degraded with a reason naming Caddy", within: .seconds(10)) {
                    let status = try await CLI.run(["get", project, "-o", "json"], environment: environment)
                    return status.stdout.contains("ProxyUnavailable") ? status.stdout : nil
                }
                #expect(degraded.contains("Caddy's admin API"), "the reason names Caddy: \(degraded)")
                // Hold the outage for 10 s in all, as a restart by systemd or an operator would.
                try await Task.sleep(until: outage + .seconds(10))
                #expect(controller.isRunning)

                try await caddy.start()
                _ = try await eventually("traffic back without a controller restart", within: .seconds(10)) {
                    (try? await caddy.get("\(project).test"))?.body == "codeb-test web v1\n" ? true : nil
                }
                _ = try await eventually("Degraded cleared", within: .seconds(10)) {
                    let status = try await CLI.run(["get", project, "-o", "json"], environment: environment)
                    return status.status == 0 && !status.stdout.contains("ProxyUnavailable") ? true : nil
                }
                controller.terminate()
                controller.waitUntilExit()
                #expect(controller.terminationStatus == 0)
                await ControllerCLITests.removeContainers(project)
            }
        }

        /// A 2 MiB tmpfs as the state directory: filled up, then mounted read-only. Needs root (CI is).
        @Test func aFullOrReadOnlyStateDirectoryRefusesTheApplyAndKeepsThePreviousState() async throws {
            try await CaddyInstance.run { caddy in
                let project = "disk" + UUID().uuidString.prefix(8).lowercased()
                let directory = NSTemporaryDirectory() + "codeb-fault-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Self.system("/bin/mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", directory)
                var readOnly = false
                defer {
                    if readOnly { try? Self.system("/bin/umount", directory) }
                    try? Self.system("/bin/umount", "-l", directory)
                }
                let (controller, environment) = try await Self.controller(caddy, directory)
                Cleanup.add { await ControllerCLITests.removeContainers(project) }
                defer {
                    if controller.isRunning { controller.terminate() }
                }
                let first = try await Self.apply(project, version: 1, in: directory, environment)
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
                let stateFile = "\(directory)/environments/\(project)/staging.json"
                // Write the spec file before the disk fills; the CLI reads it from there.
                let v2 = directory + "/codeb-2.yaml"
                try ControllerCLITests.spec(project: project, version: 2).write(toFile: v2, atomically: true, encoding: .utf8)

                // Full: one file takes every free block.
                let filler = FileManager.default.createFile(atPath: directory + "/filler", contents: nil)
                #expect(filler)
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/filler"))
                let chunk = Data(count: 64 * 1024)
                while (try? handle.write(contentsOf: chunk)) != nil {}
                try? handle.close()
                let before = try Data(contentsOf: URL(fileURLWithPath: stateFile))
                let full = try await CLI.run(["apply", "-f", v2], environment: environment)
                #expect(full.status != 0)
                #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
                #expect(full.stderr.contains("full"), "the error says what to do: \(full.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: stateFile)) == before, "the previous state is intact")
                #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")

                // Read-only: a read-only bind mount over the directory (the controller's open lock
                // file belongs to the writable mount underneath, as after `mount -o remount,ro`).
                try FileManager.default.removeItem(atPath: directory + "/filler")
                try Self.system("/bin/mount", "--bind", directory, directory)
                readOnly = true
                try Self.system("/bin/mount", "-o", "remount,bind,ro", directory)
                let refused = try await CLI.run(["apply", "-f", v2], environment: environment)
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("Read-only file system"), "\(refused.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: stateFile)) == before, "the previous state is intact")
                #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")

                // Writable again: the same apply goes through, without a controller restart.
                try Self.system("/bin/umount", directory)
                readOnly = false
                let second = try await CLI.run(["apply", "-f", v2, "--wait", "--timeout", "60s"], environment: environment)
                #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
                #expect(second.stdout.contains("created revision 2"))
                #expect(try await caddy.get("\(project).test").body == "codeb-test web v2\n")
                controller.terminate()
                controller.waitUntilExit()
                await ControllerCLITests.removeContainers(project)
            }
        }

        /// Found by the load test: SIGTERM waited forever for event followers (no event came to end them).
        @Test func eventFollowersDoNotHoldUpAStop() async throws {
            try await CaddyInstance.run { caddy in
                let directory = NSTemporaryDirectory() + "codeb-fault-follow-" + UUID().uuidString.prefix(8).lowercased()
                let (controller, environment) = try await Self.controller(caddy, directory)
                defer { if controller.isRunning { controller.interrupt() } }
                let port = Int(environment["CODEB_SERVER"]!.split(separator: ":").last!)!
                let followers = try (0..<3).map { _ in try EventStreamReader(port: port, token: environment["CODEB_TOKEN"]!) }
                _ = try await eventually("the followers connected") { followers.allSatisfy { $0.chunks.load(ordering: .relaxed) > 0 } ? true : nil }
                controller.terminate()
                let stopped = try await eventually("the controller to stop", within: .seconds(10)) { controller.isRunning ? nil : true }
                #expect(stopped)
                #expect(controller.terminationStatus == 0)
                for follower in followers { follower.stop() }
            }
        }

        @Test func aCorruptStateFileStopsTheStartWithItsNameAndIsNotOverwritten() async throws {
            try await CaddyInstance.run { caddy in
                let directory = NSTemporaryDirectory() + "codeb-fault-corrupt-" + UUID().uuidString.prefix(8).lowercased()
                let environments = directory + "/environments/shop"
                try FileManager.default.createDirectory(atPath: environments, withIntermediateDirectories: true)
                let path = environments + "/production.json"
                let garbage = Data("{\"key\": {\"project\": \"shop\", \"environment\": \"production\"}, \"team\": 4".utf8)
                try garbage.write(to: URL(fileURLWithPath: path))
                try "# defaults\n".write(toFile: directory + "/controller.yaml", atomically: true, encoding: .utf8)
                let started = try await CLI.run([
                    "controller", "--listen", "127.0.0.1:\(FreePort.next())", "--state-dir", directory, "--config", directory + "/controller.yaml",
                    "--caddy-config", caddy.caddyfile, "--caddy-sites", caddy.sitesDirectory, "--caddy-admin", "\(caddy.admin)",
                ])
                #expect(started.status != 0)
                #expect(started.stderr.contains(path), "names the file: \(started.stderr)")
                #expect(started.stderr.contains("not a valid codeb state file"), "says why: \(started.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage, "nothing overwritten")
                #expect(try FileManager.default.contentsOfDirectory(atPath: caddy.sitesDirectory).isEmpty, "no site written")
            }
        }

        static func system(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CommandFailed(description: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus); the reliability suite runs as root (CI does)")
            }
        }

        struct CommandFailed: Error, CustomStringConvertible { var description: String }
    }
}
