import AsyncHTTPClient
import Foundation
import MCP
import NIOCore
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The controller's `/mcp` (streamable HTTP, stateless) against a real controller started with
/// `--mcp-destructive-tools`: the bearer key middleware in front, key management offered and
/// still limited by role, callers of two teams at once never see each other's answers, and
/// no secret in the audit log.
@Suite(.timeLimit(.minutes(2)))
struct MCPHTTPTests {
    struct Answer {
        var status: Int
        var json: [String: Any]
        /// A tool call's text and whether it is an error.
        var text: String { ((json["result"] as? [String: Any])?["content"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined() ?? "" }
        var isError: Bool { (json["result"] as? [String: Any])?["isError"] as? Bool ?? false }
        var textJSON: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] }
    }

    static func post(_ port: Int, _ token: String?, _ body: Data) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/mcp")
        request.method = .POST
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
        return Answer(status: Int(response.status.code), json: (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    static func rpc(_ port: Int, _ token: String?, _ method: String, _ params: [String: Any] = [:], id: Int = 1) async throws -> Answer {
        try await post(port, token, try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": id, "method": method, "params": params]))
    }

    static func tool(_ port: Int, _ token: String, _ name: String, _ arguments: [String: Any] = [:]) async throws -> Answer {
        try await rpc(port, token, "tools/call", ["name": name, "arguments": arguments])
    }

    @Test func theControllerServesMCPBehindItsKeysWithDestructiveToolsOnlyWhenStartedSo() async throws {
        try await CaddyInstance.run { caddy in
            let directory = NSTemporaryDirectory() + "codeb-mcp-http-" + UUID().uuidString.prefix(8).lowercased()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            func key(_ team: String, _ role: String) async throws -> String {
                try await CLI.run(["keys", "create", "--team", team, "--role", role, "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let admin = try await key("demo", "admin"), viewer = try await key("demo", "viewer"), otherAdmin = try await key("other", "admin")
            let (controller, port) = try await ControllerCLITests.startController(caddy, directory, arguments: ["--mcp-destructive-tools"])
            defer { if controller.isRunning { controller.terminate() } }

            // The bearer key middleware is in front; only POST.
            let anonymous = try await Self.rpc(port, nil, "tools/list")
            #expect(anonymous.status == 401)
            #expect((anonymous.json["error"] as? [String: Any])?["code"] as? String == "unauthorized")
            var get = HTTPClientRequest(url: "http://127.0.0.1:\(port)/mcp")
            get.headers.add(name: "Authorization", value: "Bearer \(admin)")
            get.headers.add(name: "Accept", value: "text/event-stream")
            let refusedGet = try await HTTPClient.shared.execute(get, timeout: .seconds(10))
            #expect(refusedGet.status.code == 405 && refusedGet.headers["Allow"] == ["POST"], "no SSE stream: \(refusedGet.status) \(refusedGet.headers)")
            _ = try await refusedGet.body.collect(upTo: 1 << 20)
            #expect(try await Self.post(port, admin, Data(repeating: 0x20, count: 5 << 20)).status == 413)

            // The SDK's own HTTP client transport (JSON responses, no SSE) speaks to it.
            let token = admin
            let sdk = Client(name: "sdk-http", version: "1")
            try await sdk.connect(transport: HTTPClientTransport(
                endpoint: URL(string: "http://127.0.0.1:\(port)/mcp")!, streaming: false,
                requestModifier: { request in
                    var request = request
                    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                    return request
                }
            ))
            let (sdkTools, _) = try await sdk.listTools()
            #expect(sdkTools.contains { $0.name == "delete" } && sdkTools.contains { $0.name == "create_key" }, "destructive tools offered: the controller runs with --mcp-destructive-tools")
            let sdkValidate = try await sdk.callTool(name: "validate", arguments: ["spec": "project: Bad Name\n"])
            #expect(sdkValidate.isError == true)
            await sdk.disconnect()

            // Hostile JSON-RPC: each answered, none reaching further than a refusal.
            let huge = try await Self.tool(port, admin, "logs", ["project": "x", "tail": 1e300, "slot": "blue"])
            #expect(huge.isError && huge.text.contains("tail must be"), "a number too large for Int is refused, not a crash: \(huge.text)")
            let negative = try await Self.tool(port, viewer, "rollout_status", ["project": "x", "revision": -1e308, "wait": Double.greatestFiniteMagnitude])
            #expect(negative.isError, "\(negative.text)")
            let longName = try await Self.tool(port, viewer, String(repeating: "a", count: 100_000))
            #expect(longName.isError && longName.text.count < 200, "the unknown tool's name is not echoed whole")
            let traversal = try await Self.tool(port, viewer, "project_status", ["project": "../keys"])
            #expect(traversal.isError && traversal.text.contains("is not a name"), "\(traversal.text)")
            let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            #expect(try await Self.post(port, viewer, Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"validate","arguments":{"spec":\#(nested)}}}"#.utf8)).status == 400)
            #expect(try await Self.post(port, viewer, Data("[1,2".utf8)).status == 400)
            #expect(try await httpGet("http://127.0.0.1:\(port)/healthz").status == 200, "the controller survived")

            let initialized = try await Self.rpc(port, admin, "initialize", [
                "protocolVersion": "2025-03-26", "capabilities": [String: Any](), "clientInfo": ["name": "test", "version": "1"],
            ])
            #expect(initialized.status == 200)
            #expect(((initialized.json["result"] as? [String: Any])?["serverInfo"] as? [String: Any])?["name"] as? String == "codeb")
            let notified = try await Self.post(port, admin, Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
            #expect(notified.status == 202)

            let listed = try await Self.rpc(port, admin, "tools/list")
            let names = Set(((listed.json["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
            #expect(names.isSuperset(of: ["validate", "apply", "rollback", "delete", "list_keys", "create_key", "revoke_key"]), "\(names)")

            // Offered is not allowed: the key's role still decides, with the API's answer.
            let refused = try await Self.tool(port, viewer, "create_key", ["role": "admin"])
            #expect(refused.isError)
            #expect((refused.textJSON?["error"] as? [String: Any])?["code"] as? String == "forbidden", "\(refused.text)")

            let created = try await Self.tool(port, admin, "create_key", ["role": "viewer", "name": "assistant"])
            #expect(!created.isError, "\(created.text)")
            let secret = try #require(created.textJSON?["key"] as? String, "\(created.text)")
            let id = try #require(created.textJSON?["id"] as? String, "\(created.text)")
            #expect(try await Self.rpc(port, secret, "tools/list").status == 200, "the new key works")

            // Two teams at once, the same JSON-RPC id: every answer is the caller's own team's.
            try await withThrowingTaskGroup(of: (String, String).self) { group in
                for round in 0..<10 {
                    for (team, token) in [("demo", admin), ("other", otherAdmin)] {
                        group.addTask {
                            let answer = try await Self.tool(port, token, "list_keys")
                            return (team, answer.text + " round \(round)")
                        }
                    }
                }
                for try await (team, text) in group {
                    let foreign = team == "demo" ? "\"team\":\"other\"" : "\"team\":\"demo\""
                    #expect(text.contains("\"team\":\"\(team)\"") && !text.contains(foreign), "\(team): \(text)")
                }
            }

            let revoked = try await Self.tool(port, admin, "revoke_key", ["id": id])
            #expect(!revoked.isError, "\(revoked.text)")
            #expect(try await Self.rpc(port, secret, "tools/list").status == 401, "a revoked key is refused at /mcp")

            // Every tool call audited as coming through MCP; the secret never written.
            let audit = try String(contentsOfFile: directory + "/audit.jsonl", encoding: .utf8)
            #expect(!audit.contains(secret))
            #expect(audit.contains("\"detail\":\"forbidden: this needs a admin key; yours is viewer\"") || audit.contains("\"detail\":\"forbidden: "), "a refusal's code and message")
            for action in ["mcp.call", "mcp.keys.create", "mcp.keys.revoke"] {
                #expect(audit.contains("\"action\":\"\(action)\""), "\(action) audited")
            }
            #expect(audit.contains("\"result\":\"denied\""))

            // A stop does not wait out an assistant's rollout_status wait: it answers with what it has.
            let spec = "project: parked\nteam: demo\nimage: codeb-test/web:1\nport: 8080\nnodes: [elsewhere]\nenvironments:\n  production: { domains: [parked.test] }\n"
            let parked = try await Self.tool(port, admin, "apply", ["spec": spec])
            #expect(!parked.isError, "\(parked.text)")
            let unnamed = try await Self.tool(port, admin, "delete", ["project": "parked"])
            #expect(unnamed.isError && unnamed.text.contains("environment is required"), "delete has no default environment: \(unnamed.text)")
            let stillThere = try await Self.tool(port, admin, "project_status", ["project": "parked"])
            #expect(!stillThere.isError && stillThere.text.contains("production"), "\(stillThere.text)")
            let gone = try await Self.tool(port, admin, "apply", ["spec": spec.replacingOccurrences(of: "parked", with: "gone")])
            #expect(!gone.isError, "\(gone.text)")
            let deleted = try await Self.tool(port, admin, "delete", ["project": "gone", "environment": "production"])
            #expect(!deleted.isError, "\(deleted.text)")
            _ = try await eventually("gone/production deleted") {
                let status = try await Self.tool(port, admin, "project_status", ["project": "gone"])
                return status.isError && status.text.contains("not_found") ? true : nil
            }
            let waiting = Task { try await Self.tool(port, viewer, "rollout_status", ["project": "parked", "revision": 9, "wait": 60]).text }
            _ = try await eventually("the call in flight", within: .seconds(10)) {
                try await httpGet("http://127.0.0.1:\(port)/metrics").body.contains("codeb_mcp_calls_in_flight 1") ? true : nil
            }
            let stop = ContinuousClock.now
            controller.terminate()
            let answer = try await waiting.value
            let stopped = try await eventually("the controller stopped", within: .seconds(30)) { controller.isRunning ? nil : ContinuousClock.now - stop }
            #expect(stopped < .seconds(10), "stopped after \(stopped)")
            #expect(answer.contains("unknown revision"), "\(answer)")
        }
    }
}
