import APIModel
import CodebMCP
@testable import Controller
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MCPEndpoint
import NIOCore
import Spec
import Testing

/// MCP parity: every API operation a key may perform is a tool, each tool reaches exactly the
/// routes it declares, and through `/mcp` a tool is refused exactly as its route refuses.
@Suite struct MCPParityTests {
    /// Routes that are not a key's operations: open probes, the metrics page, MCP itself.
    static let notOperations = Set(APIContract.operations.filter { $0.role == nil || $0.path == "/mcp" }.map(\.route))

    /// Parity is a property of the derivation: every operation a key may call is a tool (or is
    /// named by a hand-written one), and every tool names operations the router serves.
    @Test func everyAPIOperationAKeyMayCallHasATool() async throws {
        let world = try await RoleMatrixTests.World()
        let router = world.api.routes(extensions: [MCPEndpoint(destructiveTools: true)])
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(served.count > 25, "the router lists its routes: \(served)")
        let reached = Set(CodebTools.operations.values.flatMap { $0 })
        let operations = APIContract.operations.filter { !Self.notOperations.contains($0.route) }
        let missing = operations.filter { !reached.contains($0.id) }.map(\.route)
        #expect(missing.isEmpty, "API operations without an MCP tool: \(missing.sorted())")
        let stale = reached.filter { id in !APIContract.operations.contains { $0.id == id && served.contains($0.route) } }
        #expect(stale.isEmpty, "tools naming operations the API does not serve: \(stale.sorted())")
        #expect(Set(CodebTools(api: nil, destructive: true).tools.map(\.name)) == Set(CodebTools.operations.keys))
    }

    /// A derived tool is named for its operation, read-only exactly when it only reads (its
    /// method is GET; `plan` posts a dry-run apply), and destructive exactly when the contract
    /// says so — then offered only with --mcp-destructive-tools.
    @Test func everyToolIsReadOnlyExactlyWhenItOnlyReadsAndDestructiveAsItsOperation() {
        let tools = CodebTools(api: nil, destructive: true).tools
        let offered = Set(CodebTools(api: nil, destructive: false).tools.map(\.name))
        for tool in tools {
            let operations = (CodebTools.operations[tool.name] ?? []).compactMap { id in APIContract.operations.first { $0.id == id } }
            let reads = tool.name == "plan" || operations.allSatisfy { $0.method == "GET" }
            #expect(tool.annotations.readOnlyHint == reads, "\(tool.name): readOnly must be \(reads)")
            let destructive = operations.count == 1 && tool.name != "plan" && tool.name != "apply" && operations[0].destructive
            #expect((tool.annotations.destructiveHint == true) == destructive, "\(tool.name) vs \(operations.map(\.id))")
            #expect(offered.contains(tool.name) == !destructive, "\(tool.name) is destructive, so offered only with --mcp-destructive-tools")
        }
        #expect(tools.count == CodebTools.operations.count && tools.count > 25, "\(tools.count) tools")
    }

    /// Removing a secret's value and rotating the secret key cannot be undone (and a rotation can
    /// leave other hosts unable to read values): offered to assistants only when the operator says so.
    @Test func unsettingSecretsAndRotatingTheKeyAreDestructiveTools() {
        let offered = Set(CodebTools(api: nil, destructive: false).tools.map(\.name))
        #expect(!offered.contains("secrets_unset") && !offered.contains("rotate_secret_key"), "\(offered.sorted())")
        let all = CodebTools(api: nil, destructive: true).tools
        for name in ["secrets_unset", "rotate_secret_key"] {
            #expect(all.first { $0.name == name }?.annotations.destructiveHint == true, "\(name)")
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var tool: String
        var arguments: [String: String]
        var minimum: Role
        var testDescription: String { tool }
    }

    static let rows: [Row] = [
        Row(tool: "secrets_history", arguments: ["project": "shop"], minimum: .viewer),
        Row(tool: "registry_login", arguments: ["host": "registry.acme.test", "username": "ci", "password": "pw-new"], minimum: .admin),
        Row(tool: "registry_logout", arguments: ["host": "registry.acme.test"], minimum: .admin),
        Row(tool: "cleanup", arguments: ["project": "shop"], minimum: .admin),
        Row(tool: "teams_list", arguments: [:], minimum: .owner),
        Row(tool: "team_create", arguments: ["name": "newteam"], minimum: .owner),
        Row(tool: "team_delete", arguments: ["name": "newteam"], minimum: .owner),
        Row(tool: "rotate_secret_key", arguments: [:], minimum: .owner),
    ]

    /// Each role calls the tool through `/mcp`: below the route's minimum it is denied (and
    /// audited so); at or above it is not refused for its role.
    @Test(arguments: rows)
    func aToolIsRefusedExactlyAsItsRouteIs(_ row: Row) async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes(extensions: [MCPEndpoint(destructiveTools: true)]))
        try await app.test(.router) { client in
            for role in Role.allCases {
                let key = try #require(world.callers[RoleMatrixTests.Caller(rawValue: role.rawValue)!])
                let (text, isError) = try await Self.call(client, key, row.tool, row.arguments)
                if role < row.minimum {
                    #expect(isError && text.contains("forbidden"), "\(row.tool) as \(role): \(text)")
                } else {
                    #expect(!text.contains("forbidden"), "\(row.tool) as \(role): \(text)")
                }
            }
        }
        let log = try await world.api.keys.auditLog(team: "acme", limit: 200)
        let calls = log.filter { $0.action == "mcp.call" && $0.target == row.tool }
        #expect(calls.count == Role.allCases.count, "every call audited: \(calls.map(\.result))")
        #expect(calls.filter { $0.result == "denied" }.count == Role.allCases.filter { $0 < row.minimum }.count)
        for entry in log { #expect(!entry.detail.contains("pw-new"), "a password reached the audit log") }
    }

    @Test func aToolNeverReachesAnotherTeamsProjectRegistryOrTeam() async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes(extensions: [MCPEndpoint(destructiveTools: true)]))
        let owner = try #require(world.callers[.owner])
        try await app.test(.router) { client in
            let history = try await Self.call(client, owner, "secrets_history", ["project": "rival"])
            #expect(history.isError && history.text.contains("not_found"), "\(history.text)")
            let cleanup = try await Self.call(client, owner, "cleanup", ["project": "rival"])
            #expect(cleanup.isError && cleanup.text.contains("not_found"), "\(cleanup.text)")
            let logout = try await Self.call(client, owner, "registry_logout", ["host": "registry.other.test"])
            #expect(logout.isError, "\(logout.text)")
            let badHost = try await Self.call(client, owner, "registry_login", ["host": "evil.test/../../v1/keys", "username": "a", "password": "b"])
            #expect(badHost.isError && badHost.text.contains("not a registry host"), "\(badHost.text)")
        }
        let registries = try await world.api.vault!.store.registries(try ResourceName(parsing: "other"))
        #expect(registries.credentials.map(\.host.value) == ["registry.other.test"], "the other team's login is untouched")
    }

    static func call(_ client: some TestClientProtocol, _ key: String, _ tool: String, _ arguments: [String: String]) async throws -> (text: String, isError: Bool) {
        let body = try JSONSerialization.data(withJSONObject: [
            "jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": tool, "arguments": arguments],
        ] as [String: Any])
        let headers: HTTPFields = [
            .authorization: "Bearer \(key)", .contentType: "application/json", .accept: "application/json, text/event-stream",
        ]
        return try await client.execute(uri: "/mcp", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            let result = json?["result"] as? [String: Any]
            let text = (result?["content"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined() ?? String(buffer: response.body)
            return (text, result?["isError"] as? Bool ?? true)
        }
    }
}
