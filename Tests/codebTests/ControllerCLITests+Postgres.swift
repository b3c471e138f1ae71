import Drivers
import Foundation
import TestSupport
import Testing

/// The daemon on PostgreSQL. In `ControllerCLITests` (serialized) because it uses the same
/// staging port range.
extension ControllerCLITests {
    @Test func onPostgresTheDaemonIsDegradedWhileTheDatabaseIsAwayAndRecoversAlone() async throws {
        let database = try await TestDatabase.create()
        defer { Task { await database.drop() } }
        let socketDirectory = NSTemporaryDirectory() + "codeb-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        let proxy = try UnixSocketProxy(target: TestDatabase.serverSocket, path: socketDirectory + "/.s.PGSQL.55432")
        defer { proxy.stop() }
        let url = "postgres://codeb:codeb-ci@/\(database.name)?host=\(socketDirectory)&port=55432"

        try await CaddyInstance.run { caddy in
            let project = "pg" + UUID().uuidString.prefix(8).lowercased()
            let directory = NSTemporaryDirectory() + "codeb-cli-" + project
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let created = try CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--database-url", url])
            #expect(created.status == 0, "\(created.stderr)")
            let (controller, port) = try await Self.startController(caddy, directory, environment: ["CODEB_DATABASE_URL": url])
            defer {
                if controller.isRunning { controller.terminate() }
                Task { await Self.removeContainers(project) }
            }
            let readyz = "http://127.0.0.1:\(port)/readyz"
            _ = try await eventually("ready on PostgreSQL") { try await httpGet(readyz).status == 200 ? true : nil }

            var environment = ProcessInfo.processInfo.environment
            environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
            environment["CODEB_TOKEN"] = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let file = directory + "/codeb.yaml"
            func apply(_ version: Int) throws -> CLI.Result {
                try Self.spec(project: project, version: version).write(toFile: file, atomically: true, encoding: .utf8)
                return try CLI.run(["apply", "-f", file, "--wait", "--timeout", "60s"], environment: environment)
            }
            let first = try apply(1)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")

            proxy.cut()
            let degraded = try await eventually("/readyz to report the database", within: .seconds(30)) {
                let response = try await httpGet(readyz)
                return response.status == 503 && response.body.contains("database") ? response.body : nil
            }
            #expect(degraded.contains("PostgreSQL"), "the reason names the database: \(degraded)")
            let refused = try apply(2)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("PostgreSQL"), "one sentence about the database: \(refused.stderr)")
            #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n", "traffic is untouched while the database is away")

            try proxy.resume()
            _ = try await eventually("/readyz to recover", within: .seconds(60)) { try await httpGet(readyz).status == 200 ? true : nil }
            let second = try apply(2)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(try await caddy.get("\(project).test").body == "codeb-test web v2\n")
            let history = try CLI.run(["history", project, "--env", "staging", "-o", "json"], environment: environment)
            #expect(history.stdout.components(separatedBy: "\"number\"").count - 1 == 2, "the refused apply left no revision: \(history.stdout)")

            controller.terminate()
            controller.waitUntilExit()
            #expect(controller.terminationStatus == 0)
            await Self.removeContainers(project)
        }
    }
}
