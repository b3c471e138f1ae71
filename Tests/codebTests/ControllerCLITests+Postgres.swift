import Drivers
import Foundation
import State
import TestSupport
import Testing

/// The daemon on PostgreSQL. In `ControllerCLITests` (serialized) because it uses the same
/// staging port range.
extension ControllerCLITests {
    @Test func onPostgresTheDaemonIsDegradedWhileTheDatabaseIsAwayAndRecoversAlone() async throws {
        let database = try await TestDatabase.create()
        Cleanup.add { await database.drop() }
        let socketDirectory = NSTemporaryDirectory() + "codeb-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        let proxy = try UnixSocketProxy(target: TestDatabase.serverSocket, path: socketDirectory + "/.s.PGSQL.55432")
        defer { proxy.stop() }
        let url = "postgres://codeb:codeb-ci@/\(database.name)?host=\(socketDirectory)&port=55432"

        try await CaddyInstance.run { caddy in
            let project = "pg" + UUID().uuidString.prefix(8).lowercased()
            try await Self.cleaningUp(project) {
            let directory = NSTemporaryDirectory() + "codeb-cli-" + project
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let created = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--database-url", url])
            #expect(created.status == 0, "\(created.stderr)")
            let (controller, port) = try await Self.startController(caddy, directory, environment: ["CODEB_DATABASE_URL": url])
            defer { if controller.isRunning { controller.terminate() } }
            let readyz = "http://127.0.0.1:\(port)/readyz"
            _ = try await eventually("ready on PostgreSQL") { try await httpGet(readyz).status == 200 ? true : nil }

            var environment = ProcessInfo.processInfo.environment
            environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
            environment["CODEB_TOKEN"] = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let file = directory + "/codeb.yaml"
            try Self.patientSpec(project: project, version: 1).write(toFile: file, atomically: true, encoding: .utf8)
            let first = try await CLI.run(["apply", "-f", file, "--wait", "--timeout", "60s"], environment: environment)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")

            // v2 is accepted, and the database goes away before the rollout can finish.
            try Self.patientSpec(project: project, version: 2).write(toFile: file, atomically: true, encoding: .utf8)
            let accepted = try await CLI.run(["apply", "-f", file], environment: environment)
            #expect(accepted.status == 0, "\(accepted.stderr)")
            proxy.cut()
            let degraded = try await eventually("/readyz to report the database", within: .seconds(30)) {
                let response = try await httpGet(readyz)
                return response.status == 503 && response.body.contains("database") ? response.body : nil
            }
            #expect(degraded.contains("PostgreSQL"), "the reason names the database: \(degraded)")
            try Self.patientSpec(project: project, version: 1).write(toFile: file, atomically: true, encoding: .utf8)
            let refused = try await CLI.run(["apply", "-f", file], environment: environment)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("PostgreSQL"), "one sentence about the database: \(refused.stderr)")
            #expect((try? await caddy.get("\(project).test"))?.body.hasPrefix("codeb-test web v") == true, "traffic keeps being served while the database is away")

            try proxy.resume()
            _ = try await eventually("/readyz to recover", within: .seconds(60)) { try await httpGet(readyz).status == 200 ? true : nil }
            _ = try await eventually("the accepted v2 to be rolled out without another apply", within: .seconds(60)) {
                (try? await caddy.get("\(project).test"))?.body == "codeb-test web v2\n" ? true : nil
            }
            let history = try await CLI.run(["history", project, "--env", "staging", "-o", "json"], environment: environment)
            #expect(history.stdout.components(separatedBy: "\"number\"").count - 1 == 2, "the refused apply left no revision: \(history.stdout)")

            controller.terminate()
            controller.waitUntilExit()
            #expect(controller.terminationStatus == 0)
            }
        }
    }
}

extension ControllerCLITests {
    /// Two controllers (two nodes, each with its own Caddy) on one database. One holds the
    /// environment; a change through the other reaches it at once; when the holder's host dies
    /// (controller killed, its containers gone) the other takes over within the lease TTL.
    @Test func aSecondControllerTakesOverWhenTheFirstDies() async throws {
        let database = try await TestDatabase.create()
        Cleanup.add { await database.drop() }
        let url = database.connectionString
        try await CaddyInstance.run { caddyA in
            try await CaddyInstance.run { caddyB in
                let project = "fo" + UUID().uuidString.prefix(8).lowercased()
                try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let created = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--database-url", url])
                #expect(created.status == 0, "\(created.stderr)")
                let slow = ["--resync", "600", "--lease-ttl", "3"]
                let (a, portA) = try await Self.startController(caddyA, (directory + "/a").creatingDirectory(), environment: ["CODEB_DATABASE_URL": url], arguments: slow + ["--node", "node-a"])
                defer { if a.isRunning { a.terminate() } }
                _ = try await eventually("controller A ready") { try await httpGet("http://127.0.0.1:\(portA)/readyz").status == 200 ? true : nil }
                // A takes the environment: apply through A, then wait for A's Caddy.
                var environment = ProcessInfo.processInfo.environment
                environment["CODEB_TOKEN"] = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                environment["CODEB_SERVER"] = "http://127.0.0.1:\(portA)"
                let file = directory + "/codeb.yaml"
                try Self.spec(project: project, version: 1).write(toFile: file, atomically: true, encoding: .utf8)
                let first = try await CLI.run(["apply", "-f", file, "--wait", "--timeout", "60s"], environment: environment)
                #expect(first.status == 0, "\(first.stderr) \(first.stdout)")
                #expect(try await caddyA.get("\(project).test").body == "codeb-test web v1\n")

                // B starts once A holds the environment (otherwise either may take it first).
                let (b, portB) = try await Self.startController(caddyB, (directory + "/b").creatingDirectory(), environment: ["CODEB_DATABASE_URL": url], arguments: slow + ["--node", "node-b"])
                defer { if b.isRunning { b.terminate() } }
                _ = try await eventually("controller B ready") { try await httpGet("http://127.0.0.1:\(portB)/readyz").status == 200 ? true : nil }

                // A change through B (resync is 10 minutes away) reaches A through NOTIFY.
                environment["CODEB_SERVER"] = "http://127.0.0.1:\(portB)"
                try Self.spec(project: project, version: 2).write(toFile: file, atomically: true, encoding: .utf8)
                let applied = ContinuousClock.now
                #expect(try await CLI.run(["apply", "-f", file], environment: environment).status == 0)
                _ = try await eventually("A to roll out v2 applied through B", within: .seconds(30)) {
                    (try? await caddyA.get("\(project).test"))?.body == "codeb-test web v2\n" ? true : nil
                }
                print("[measure] apply through B → served by A: \(ContinuousClock.now - applied)")
                // Caddy serves v2 a moment before A records the promotion; wait for the record.
                _ = try await eventually("A to record v2 live") {
                    try await database.query("SELECT state FROM slots WHERE revision = 2") == ["active"] ? true : nil
                }
                #expect((try? await caddyB.get("\(project).test"))?.body != "codeb-test web v2\n", "B serves nothing while A holds the lease")
                let containers = try await DockerRuntime().listManaged().filter { $0.labels[ManagedLabels.project] == project }
                #expect(!containers.isEmpty && containers.allSatisfy { $0.labels[ManagedLabels.node] == "node-a" }, "B left A's containers alone")

                // A's host dies: the controller is killed and its containers go with it.
                kill(a.processIdentifier, SIGKILL)
                a.waitUntilExit()
                await Self.removeContainers(project)
                let died = ContinuousClock.now
                _ = try await eventually("B to take over", within: .seconds(60)) {
                    (try? await caddyB.get("\(project).test"))?.body == "codeb-test web v2\n" ? true : nil
                }
                let failover = ContinuousClock.now - died
                print("[measure] failover (lease TTL 3 s): holder killed → served by the other node in \(failover)")
                let holders = try await database.query("SELECT node FROM leases")
                #expect(holders == ["node-b"])
                let after = try await DockerRuntime().listManaged().filter { $0.labels[ManagedLabels.project] == project }
                #expect(after.allSatisfy { $0.labels[ManagedLabels.node] == "node-b" })

                b.terminate()
                b.waitUntilExit()
                #expect(b.terminationStatus == 0)
                #expect(try await database.query("SELECT count(*)::text FROM leases") == ["0"], "a clean stop hands its leases back")
                }
            }
        }
    }

    /// A health deadline longer than the database outage the test makes: time the controller
    /// cannot observe counts against a rollout's deadline.
    static func patientSpec(project: String, version: Int) -> String {
        spec(project: project, version: version).replacingOccurrences(of: "deadline: 3s", with: "deadline: 120s")
    }

    /// Runs `body`, then removes the project's containers whether it passed, failed or threw.
    static func cleaningUp(_ project: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await removeContainers(project)
            throw error
        }
        await removeContainers(project)
    }
}

private extension String {
    func creatingDirectory() throws -> String {
        try FileManager.default.createDirectory(atPath: self, withIntermediateDirectories: true)
        return self
    }
}
