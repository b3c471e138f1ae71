import Drivers
import Foundation
import State
import TestSupport
import Testing

/// Backing services through the CLI and a real controller: a PostgreSQL service with a
/// generated password serves the app, the password is never in the state, the backups, the
/// controller's log, the audit log or any answer; `codeb backup create|list|restore` work; and
/// `delete --purge-data` removes the volume.
extension ControllerCLITests {
    static func serviceSpec(project: String) -> String {
        spec(project: project, version: 1).replacingOccurrences(of: "deadline: 3s }\n", with: """
            deadline: 30s }
            services:
            \(ServiceFixtures.postgres)

            """)
    }

    @Test func aServicesGeneratedPasswordIsNeverShownAndItsBackupsGoThroughTheCLI() async throws {
        try await CaddyInstance.run { caddy in
            let project = "svc" + UUID().uuidString.prefix(8).lowercased()
            let volume = "codeb-acme.\(project).staging.db"
            Cleanup.add {
                for network in (try? await DockerRuntime().managedNetworks()) ?? [] where network.contains(".\(project).") {
                    try? await DockerRuntime().removeNetwork(network)
                }
                try? await DockerRuntime().removeVolume(volume)
            }
            try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let member = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let (controller, port) = try await Self.startController(caddy, directory)
                defer { if controller.isRunning { controller.terminate() } }
                let session = CLISession(port: port, token: member)
                func codeb(_ arguments: [String]) async throws -> CLI.Result { try await session.run(arguments) }
                let file = directory + "/codeb.yaml"
                try Self.serviceSpec(project: project).write(toFile: file, atomically: true, encoding: .utf8)

                let live = try await codeb(["apply", "-f", file, "--env", "staging", "--wait", "--timeout", "90s"])
                #expect(live.status == 0, "\(live.stdout)\(live.stderr)")
                let slot = try #require(try await DockerRuntime().listManaged(project: project, environment: "staging")
                    .first { $0.labels[ManagedLabels.slot] != nil && $0.state == .running })
                let password = try await DockerExec.shell(slot.name, "printf %s \"$DB_POSTGRES_PASSWORD\"").output
                #expect(password.count == 64)

                let status = try await codeb(["status", project])
                #expect(status.stdout.contains("db") && status.stdout.contains(volume), "\(status.stdout)")
                let backup = try await codeb(["backup", "create", project, "--env", "staging", "--service", "db"])
                #expect(backup.status == 0 && backup.stdout.contains("backup "), "\(backup.stdout)\(backup.stderr)")
                let list = try await codeb(["backup", "list", project, "--env", "staging", "--service", "db", "-o", "json"])
                #expect(list.status == 0 && list.stdout.contains("\"trigger\" : \"manual\""), "\(list.stdout)")
                let restore = try await codeb(["backup", "restore", project, "--env", "staging", "--service", "db"])
                #expect(restore.status == 0 && restore.stdout.contains("restoring backup"), "\(restore.stdout)\(restore.stderr)")
                _ = try await eventually("the restore done", within: .seconds(60)) { () -> Bool? in
                    let json = try await codeb(["get", project, "-o", "json"]).stdout
                    return json.contains("\"state\" : \"running\"") && !json.contains("\"restoring\"") ? true : nil
                }
                let bad = try await codeb(["backup", "restore", project, "--env", "staging", "--service", "db", "--id", "../../etc"])
                #expect(bad.status != 0 && bad.stderr.contains("not a backup id"), "\(bad.stderr)")
                _ = try await codeb(["get", project, "-o", "json"])
                _ = try await codeb(["history", project, "--env", "staging", "-o", "json"])
                _ = try await codeb(["secrets", "list", project])

                let deleted = try await codeb(["delete", project, "--env", "staging", "--purge-data"])
                #expect(deleted.status == 0 && deleted.stdout.contains("with its services' data"), "\(deleted.stdout)")
                _ = try await eventually("the volume removed", within: .seconds(60)) { () -> Bool? in
                    try await DockerRuntime().managedVolumes(project: project, environment: nil).isEmpty ? true : nil
                }
                controller.terminate()
                controller.waitUntilExit()

                // A byte-level search of everything kept and said: state, secrets, backups, logs, audit, answers.
                let haystacks = session.haystacks(directory)
                #expect(haystacks.contains { $0.0.hasSuffix(".log") } && haystacks.contains { $0.0.hasSuffix(".backup") }, "the log and a backup were searched")
                for (name, bytes) in haystacks {
                    #expect(bytes.range(of: Data(password.utf8)) == nil, "the generated password is in \(name)")
                }
            }
        }
    }
}
