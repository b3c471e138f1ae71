import Drivers
import Foundation
import TestSupport
import Testing

/// Secrets end to end, on the real dockerd and Caddy, with both stores: refused while missing,
/// set → rolled out into the container, set again → a new rollout, rollback → the old value,
/// a key rotation and a restart keep every value readable, and no value is found in the
/// state, the database dump, the controller's log, the audit log or any API or MCP answer.
/// In `ControllerCLITests` (serialized) because it uses the staging port range.
extension ControllerCLITests {
    /// The app writes what it got in DATABASE_URL to /www/secret, so Caddy serves it back.
    static func secretSpec(project: String, marker: String = "1") -> String {
        patientSpec(project: project, version: 1).replacingOccurrences(of: "port: 8080\n", with: """
            port: 8080
            secrets: [DATABASE_URL]
            env: { MARKER: "\(marker)" }
            command: ["/usr/bin/busybox", "sh", "-c", "echo \\"$$DATABASE_URL\\" > /www/secret && exec /usr/bin/busybox httpd -f -p 8080 -h /www"]

            """)
    }

    enum Backend: String, CaseIterable, Sendable { case file, postgres }

    @Test(arguments: Backend.allCases)
    func secretsAreRolledOutRolledBackAndNeverShown(backend: Backend) async throws {
        let database = backend == .postgres ? try await TestDatabase.create() : nil
        if let database { Cleanup.add { await database.drop() } }
        try await CaddyInstance.run { caddy in
            let project = "sec" + UUID().uuidString.prefix(8).lowercased()
            try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let store = database.map { ["--database-url", $0.connectionString] } ?? ["--state-dir", directory]
                func key(_ role: String) async throws -> String {
                    let created = try await CLI.run(["keys", "create", "--team", "acme", "--role", role] + store)
                    #expect(created.status == 0, "\(created.stderr)")
                    return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let member = try await key("member"), owner = try await key("owner")
                let controllerArguments = ["--secret-key-file", directory + "/secret.key", "--mcp-destructive-tools"] + (database.map { ["--database-url", $0.connectionString] } ?? [])
                var (controller, port) = try await Self.startController(caddy, directory, arguments: controllerArguments)
                defer { if controller.isRunning { controller.terminate() } }
                let session = CLISession(port: port, token: member)
                func codeb(_ arguments: [String], stdin: String? = nil) async throws -> CLI.Result { try await session.run(arguments, stdin: stdin) }
                let first = "postgres://app:first-\(UUID().uuidString)@db/app"
                let second = "postgres://app:second-\(UUID().uuidString)@db/app"
                let file = directory + "/codeb.yaml"
                try Self.secretSpec(project: project).write(toFile: file, atomically: true, encoding: .utf8)

                // Named but not set: refused, exit 2, naming it and the command; nothing recorded.
                let refused = try await codeb(["apply", "-f", file])
                #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
                #expect(refused.stderr.contains("DATABASE_URL") && refused.stderr.contains("codeb secrets set \(project)"), "\(refused.stderr)")
                #expect(try await codeb(["get", project]).status != 0)

                let set = try await codeb(["secrets", "set", project, "DATABASE_URL=-"], stdin: first + "\n")
                #expect(set.status == 0, "\(set.stderr)")
                #expect(set.stdout.contains("no environment runs with it yet"))
                let live = try await codeb(["apply", "-f", file, "--wait", "--timeout", "60s"])
                #expect(live.status == 0, "\(live.stdout)\(live.stderr)")
                #expect(try await caddy.get("\(project).test", "/secret").body == first + "\n")

                // Set again for staging: a new revision (source secrets), live with the new value.
                let dotenv = directory + "/staging.env"
                try "# staging's own database\nexport DATABASE_URL=\"\(second)\"\n\n".write(toFile: dotenv, atomically: true, encoding: .utf8)
                let again = try await codeb(["secrets", "set", project, "--env", "staging", "--from-file", dotenv, "--wait", "--timeout", "60s"])
                #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
                #expect(again.stdout.contains("\(project)/staging: revision 2 rolls out the new values"))
                #expect(again.stdout.contains("live: revision 2"))
                #expect(try await caddy.get("\(project).test", "/secret").body == second + "\n")

                let dry = try await codeb(["diff", "-f", file])
                #expect(dry.status == 0, "the spec matches what runs: \(dry.stdout)\(dry.stderr)")
                let history = try await codeb(["history", project, "--env", "staging", "-o", "json"])
                #expect(history.stdout.contains("\"source\" : \"secrets\"") || history.stdout.contains("\"source\":\"secrets\""), "\(history.stdout)")

                // Rollback: the warm slot, which runs with the value it was deployed with.
                let rollback = try await codeb(["rollback", project, "--env", "staging", "--wait", "--timeout", "60s"])
                #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
                #expect(try await caddy.get("\(project).test", "/secret").body == first + "\n")

                let list = try await codeb(["secrets", "list", project])
                #expect(list.status == 0 && list.stdout.contains("DATABASE_URL") && list.stdout.contains("staging"), "\(list.stdout)\(list.stderr)")
                #expect(try await codeb(["secrets", "history", project, "-o", "json"]).status == 0)
                // Staging's own value may go (the project's shows through again); then the
                // project's may not, while staging names it.
                let override = try await codeb(["secrets", "unset", project, "--env", "staging", "DATABASE_URL"])
                #expect(override.status == 0, "\(override.stdout)\(override.stderr)")
                let inUse = try await codeb(["secrets", "unset", project, "DATABASE_URL"])
                #expect(inUse.status == 1 && inUse.stderr.contains("still names"), "\(inUse.stderr)")
                // Through MCP: set and unset a secret no environment names (no rollout), list.
                let unused = "unused-\(UUID().uuidString)"
                let viaMCP = try await MCPHTTPTests.tool(port, member, "secrets_set", ["project": project, "values": ["UNUSED": unused]])
                #expect(!viaMCP.isError && viaMCP.text.contains("\"rollouts\":[]"), "\(viaMCP.text)")
                session.record(viaMCP.text)
                let unsetViaMCP = try await MCPHTTPTests.tool(port, member, "secrets_unset", ["project": project, "names": ["UNUSED"]])
                #expect(!unsetViaMCP.isError, "\(unsetViaMCP.text)")
                session.record(unsetViaMCP.text)
                for tool in ["secrets_list", "project_status", "history", "list_projects", "registry_list"] {
                    let answer = try await MCPHTTPTests.tool(port, member, tool, ["project": project, "environment": "staging"])
                    #expect(!answer.isError, "\(tool): \(answer.text)")
                    session.record(answer.text)
                }
                for path in ["/v1/projects/\(project)", "/v1/projects/\(project)/secrets", "/v1/projects/\(project)/secrets/history",
                             "/v1/projects/\(project)/environments/staging/history", "/v1/events"] {
                    session.record(try await httpGet("http://127.0.0.1:\(port)\(path)", token: member).body)
                }

                // A new key, every value sealed again; a restarted controller opens them for a new rollout.
                session.environment["CODEB_TOKEN"] = owner
                let rotated = try await codeb(["secrets", "rotate-key"])
                #expect(rotated.status == 0 && rotated.stdout.contains("sealed again"), "\(rotated.stdout)\(rotated.stderr)")
                session.environment["CODEB_TOKEN"] = member
                controller.terminate()
                controller.waitUntilExit()
                (controller, port) = try await Self.startController(caddy, directory, arguments: controllerArguments)
                session.environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
                try Self.secretSpec(project: project, marker: "2").write(toFile: file, atomically: true, encoding: .utf8)
                let afterRotation = try await codeb(["apply", "-f", file, "--wait", "--timeout", "60s"])
                #expect(afterRotation.status == 0, "\(afterRotation.stdout)\(afterRotation.stderr)")
                #expect(try await caddy.get("\(project).test", "/secret").body == first + "\n")
                controller.terminate()
                controller.waitUntilExit()

                // A byte-level search of everything kept and said (the .env file given is the user's).
                try FileManager.default.removeItem(atPath: dotenv)
                var haystacks = session.haystacks(directory)
                if let database { haystacks.append(("pg_dump", try database.dump())) }
                #expect(haystacks.contains { $0.0.hasSuffix(".log") }, "the controller's log was searched")
                #expect(haystacks.contains { $0.0 == "audit.jsonl" || $0.0 == "pg_dump" }, "the audit log was searched")
                for (name, bytes) in haystacks {
                    for value in [first, second, unused] {
                        #expect(bytes.range(of: Data(value.utf8)) == nil, "a secret value is in \(name)")
                    }
                }
            }
        }
    }
}
