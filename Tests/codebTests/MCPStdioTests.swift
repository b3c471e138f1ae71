import AsyncHTTPClient
import CodebMCP
import Foundation
import MCP
import NIOCore
import SystemPackage
import TestSupport
import Testing

extension ControllerCLITests {
    /// An MCP client (the SDK's) drives `codeb mcp` over stdio against a real controller, as an
    /// AI assistant would: list tools, validate a broken spec, apply the hello example's staging
    /// environment and follow it to live, promote, roll back, and a viewer key refused on apply
    /// with the API's own answer. Every call is in the audit log as `mcp.…`.
    @Suite(.timeLimit(.minutes(3)))
    struct MCPStdioTests {
        /// Runs `body` with an SDK client connected to `codeb` run with `arguments` (`mcp`) and `environment` over
        /// two pipes, then disconnects and stops the server. The client must be disconnected
        /// before the server goes away: the SDK's client loop re-reads a finished stdio stream
        /// without waiting, which would spin a cooperative thread for the rest of the run.
        static func withServer<T>(_ environment: [String: String], arguments: [String] = ["mcp"], _ body: (Client) async throws -> T) async throws -> T {
            let process = Process()
            process.executableURL = PackagePaths.binary
            process.arguments = arguments
            process.environment = environment
            let toServer = Pipe(), fromServer = Pipe()
            process.standardInput = toServer
            process.standardOutput = fromServer
            process.standardError = FileHandle.standardError
            try process.run()
            let client = Client(name: "codeb-test", version: "1")
            func stop() async {
                await client.disconnect()
                try? toServer.fileHandleForWriting.close()  // EOF on its stdin: `codeb mcp` exits
                if process.isRunning { process.terminate() }
            }
            do {
                try await client.connect(transport: StdioTransport(
                    input: FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor),
                    output: FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor)
                ))
                let result = try await body(client)
                await stop()
                return result
            } catch {
                await stop()
                throw error
            }
        }

        static func text(_ content: [Tool.Content]) -> String {
            content.compactMap { if case .text(let text, _, _) = $0 { text } else { nil } }.joined(separator: "\n")
        }

        /// The help names every tool, from the same derivation as the tool list.
        @Test func theHelpNamesEveryTool() async throws {
            let help = try await CLI.run(["mcp", "--help"]).stdout
            for tool in CodebTools(api: nil, destructive: true).tools {
                #expect(help.contains(tool.name), "codeb mcp --help does not name \(tool.name)")
            }
        }

        /// Also checks that `examples/assistants/stdio.mcp.json` starts an MCP server: its arguments are used.
        @Test func withoutAControllerValidateStillWorksAndTheOtherToolsSayWhy() async throws {
            let example = try JSONSerialization.jsonObject(with: Data(contentsOf: PackagePaths.root.appending(path: "examples/assistants/stdio.mcp.json"))) as? [String: Any]
            let entry = try #require((example?["mcpServers"] as? [String: Any])?["codeb"] as? [String: Any])
            #expect(entry["command"] as? String == "codeb")
            let arguments = try #require(entry["args"] as? [String])
            #expect((entry["env"] as? [String: String])?.keys.sorted() == ["CODEB_SERVER", "CODEB_TOKEN"])
            var environment = ProcessInfo.processInfo.environment
            environment["CODEB_SERVER"] = "http://127.0.0.1:\(FreePort.next())"  // nothing listens there
            environment["CODEB_TOKEN"] = "codeb_demo_member_0000000000000000"
            try await Self.withServer(environment, arguments: arguments) { client in
                let (tools, _) = try await client.listTools()
                #expect(tools.contains { $0.name == "validate" } && tools.contains { $0.name == "apply" }, "the local list")
                let valid = try await client.callTool(name: "validate", arguments: ["spec": "project: x\nteam: demo\nimage: web:1\nport: 8080\nenvironments:\n  production: { domains: [x.test] }\n"])
                #expect(valid.isError != true && Self.text(valid.content).contains("\"valid\":true"), "\(Self.text(valid.content))")
                let apply = try await client.callTool(name: "apply", arguments: ["spec": "project: x\n"])
                #expect(apply.isError == true && Self.text(apply.content).contains("cannot reach the codeb controller"), "\(Self.text(apply.content))")
            }
        }

        @Test func anAssistantValidatesAppliesFollowsPromotesAndRollsBack() async throws {
            try await CaddyInstance.run { caddy in
                let directory = NSTemporaryDirectory() + "codeb-mcp-" + UUID().uuidString.prefix(8).lowercased()
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                func key(_ role: String) async throws -> String {
                    try await CLI.run(["keys", "create", "--team", "demo", "--role", role, "--state-dir", directory]).stdout
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let member = try await key("member"), viewer = try await key("viewer"), admin = try await key("admin")
                let (controller, port) = try await ControllerCLITests.startController(caddy, directory)
                defer { if controller.isRunning { controller.terminate() } }
                var environment = ProcessInfo.processInfo.environment
                environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
                environment["CODEB_TOKEN"] = member
                let hello = try String(contentsOf: PackagePaths.root.appending(path: "examples/hello/codeb.yaml"), encoding: .utf8)
                try await Self.withServer(environment) { client in
                    let (tools, _) = try await client.listTools()
                    let names = Set(tools.map(\.name))
                    for expected in ["validate", "plan", "apply", "rollout_status", "project_status", "list_projects", "promote", "rollback", "history", "logs", "recent_events", "audit_log"] {
                        #expect(names.contains(expected), "\(expected) is offered")
                    }
                    #expect(!names.contains("delete") && !names.contains("create_key"), "no destructive tool unless the controller runs with --mcp-destructive-tools")
                    let delete = try await client.callTool(name: "delete", arguments: ["project": "hello", "environment": "staging"])
                    #expect(delete.isError == true && Self.text(delete.content).contains("there is no tool"), "\(Self.text(delete.content))")
                    #expect(tools.allSatisfy { ($0.description ?? "").count > 40 }, "every tool says what it does")

                    let broken = try await client.callTool(name: "validate", arguments: ["spec": "project: Hello World\nteam: demo\nport: 99999\n"])
                    #expect(broken.isError == true)
                    let problems = Self.text(broken.content)
                    #expect(problems.contains("codeb.yaml:1:"), "located: \(problems)")
                    #expect(problems.contains("codeb.yaml:3:"), "every problem: \(problems)")

                    let valid = try await client.callTool(name: "validate", arguments: ["spec": .string(hello)])
                    #expect(valid.isError != true, "\(Self.text(valid.content))")

                    // Plan first: the diff against the live state, nothing changed.
                    let planned = try await client.callTool(name: "plan", arguments: ["spec": .string(hello), "environment": ["staging"]])
                    #expect(planned.isError != true && Self.text(planned.content).contains("staging"), "\(Self.text(planned.content))")
                    let unknown = try await client.callTool(name: "project_status", arguments: ["project": "hello"])
                    #expect(unknown.isError == true && Self.text(unknown.content).contains("not_found"), "plan created nothing: \(Self.text(unknown.content))")
                    let hostile = try await client.callTool(name: "history", arguments: ["project": "../../v1/keys", "environment": "staging"])
                    #expect(hostile.isError == true && Self.text(hostile.content).contains("is not a name"), "\(Self.text(hostile.content))")

                    // Apply staging (promote: manual), follow it to WaitingForPromotion, promote, follow it to live.
                    let applied = try await client.callTool(name: "apply", arguments: ["spec": .string(hello), "environment": ["staging"]])
                    #expect(applied.isError != true, "\(Self.text(applied.content))")
                    #expect(Self.text(applied.content).contains("hello/staging@1"), "a rollout id: \(Self.text(applied.content))")
                    #expect(Self.text(applied.content).contains("\"plan\":["), "the plan: \(Self.text(applied.content))")
                    func phase(_ revision: Int) async throws -> String {
                        let status = try await client.callTool(name: "rollout_status", arguments: ["project": "hello", "environment": "staging", "revision": .int(revision)])
                        return Self.text(status.content)
                    }
                    _ = try await eventually("revision 1 waiting for promotion", within: .seconds(30)) {
                        try await phase(1).contains("WaitingForPromotion") ? true : nil
                    }
                    let noGrace = try await client.callTool(name: "rollback", arguments: ["project": "hello", "environment": "staging"])
                    #expect(noGrace.isError == true && Self.text(noGrace.content).contains("no previous version kept warm"), "\(Self.text(noGrace.content))")
                    let promoted = try await client.callTool(name: "promote", arguments: ["project": "hello", "environment": "staging"])
                    #expect(promoted.isError != true, "\(Self.text(promoted.content))")
                    _ = try await eventually("revision 1 live", within: .seconds(30)) { try await phase(1).contains("\"phase\":\"live\"") ? true : nil }
                    #expect(try await caddy.get("staging.hello.localhost").body == "codeb-test web v1\n")
                    let logs = try await client.callTool(name: "logs", arguments: ["project": "hello", "environment": "staging", "tail": 20])
                    #expect(logs.isError != true, "\(Self.text(logs.content))")

                    // Version 2 through the file's variable, then back with rollback.
                    let second = try await client.callTool(name: "apply", arguments: ["spec": .string(hello), "vars": ["HELLO_VERSION": "2"], "environment": ["staging"]])
                    #expect(Self.text(second.content).contains("hello/staging@2"), "\(Self.text(second.content))")
                    // rollout_status with wait follows the rollout until it settles.
                    let settled = try await client.callTool(name: "rollout_status", arguments: ["project": "hello", "environment": "staging", "revision": 2, "wait": 30])
                    #expect(Self.text(settled.content).contains("WaitingForPromotion"), "\(Self.text(settled.content))")
                    // The CLI and the MCP tool say the same of each rollout: promoted by the CLI
                    // (`promote --wait`), then rolled back by the tool, then by the CLI
                    // (`rollback --wait`), each followed by both.
                    /// The slot `codeb … --wait` said the revision went live on.
                    func cli(_ arguments: [String]) async throws -> String {
                        let run = try await CLI.run(arguments + ["hello", "--env", "staging", "--wait", "--timeout", "30s"], environment: environment)
                        #expect(run.status == 0, "\(arguments): \(run.stdout)\(run.stderr)")
                        return try #require(run.stdout.firstMatch(of: /live: revision \d+ on (\w+)/).map { String($0.1) }, "\(run.stdout)")
                    }
                    /// The slot the tool says the revision is live on (nil unless live), and its answer.
                    func mcp(_ revision: Int) async throws -> (slot: String?, text: String) {
                        let text = try await phase(revision)
                        guard text.contains("\"phase\":\"live\"") else { return (nil, text) }
                        return (text.firstMatch(of: /"slot":\{[^}]*"slot":"(\w+)"/).map { String($0.1) }, text)
                    }
                    let promotedOn = try await cli(["promote"])
                    let second2 = try await mcp(2)
                    #expect(second2.slot == promotedOn, "CLI: revision 2 live on \(promotedOn); MCP: \(second2.text)")
                    let rolledBack = try await client.callTool(name: "rollback", arguments: ["project": "hello", "environment": "staging"])
                    #expect(rolledBack.isError != true, "\(Self.text(rolledBack.content))")
                    _ = try await eventually("v1 served again", within: .seconds(30)) {
                        (try? await caddy.get("staging.hello.localhost"))?.body == "codeb-test web v1\n" ? true : nil
                    }
                    // Traffic reaches the warm slot a moment before the switch is recorded: wait for the record.
                    let third = try await eventually("revision 3 recorded live", within: .seconds(30)) { () -> (slot: String?, text: String)? in
                        let answer = try await mcp(3)
                        return answer.slot == nil ? nil : answer
                    }
                    #expect(third.slot != nil && third.slot != promotedOn, "the rollback is live on the other slot: \(third.text)")
                    let cliRollback = try await cli(["rollback"])
                    #expect(cliRollback == promotedOn, "rolled back again: revision 4 on the slot revision 2 ran on")
                    let fourth = try await mcp(4), past = try await mcp(3)
                    #expect(fourth.slot == cliRollback, "CLI: revision 4 live on \(cliRollback); MCP: \(fourth.text)")
                    #expect(past.text.contains("\"phase\":\"superseded\""), "revision 3 is past: \(past.text)")
                    #expect(try await caddy.get("staging.hello.localhost").body == "codeb-test web v2\n")
                    let history = try await client.callTool(name: "history", arguments: ["project": "hello", "environment": "staging"])
                    #expect(Self.text(history.content).contains("\"source\":\"rollback\""), "\(Self.text(history.content))")
                }

                // A viewer: the same refusal the API gives, word for word.
                var viewerEnvironment = environment
                viewerEnvironment["CODEB_TOKEN"] = viewer
                let refused = try await Self.withServer(viewerEnvironment) { try await $0.callTool(name: "apply", arguments: ["spec": .string(hello)]) }
                #expect(refused.isError == true)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/apply")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(viewer)")
                request.headers.add(name: "Content-Type", value: "application/yaml")
                request.body = .bytes(ByteBuffer(string: hello))
                let direct = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(direct.status.code == 403)
                let directBody = try JSONSerialization.jsonObject(with: Data(buffer: try await direct.body.collect(upTo: 1 << 20))) as? NSDictionary
                let toolBody = try JSONSerialization.jsonObject(with: Data(Self.text(refused.content).utf8)) as? NSDictionary
                #expect(directBody != nil && directBody == toolBody, "tool: \(Self.text(refused.content))")

                // Every call, reads included, is in the audit log marked as coming through MCP.
                var adminEnvironment = environment
                adminEnvironment["CODEB_TOKEN"] = admin
                let audit = try await Self.withServer(adminEnvironment) { Self.text(try await $0.callTool(name: "audit_log", arguments: ["limit": 200]).content) }
                for action in ["mcp.call", "mcp.apply", "mcp.promote", "mcp.rollback"] {
                    #expect(audit.contains("\"action\":\"\(action)\""), "\(action) audited")
                }
                #expect(audit.contains("\"result\":\"denied\""), "the viewer's refusal audited")
                #expect(audit.contains("\"target\":\"rollout_status\""), "reads are tool calls too")

                controller.terminate()
                controller.waitUntilExit()
                await ControllerCLITests.removeContainers("hello")
            }
        }
    }
}
