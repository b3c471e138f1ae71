import APIModel
@testable import CodebMCP
import Foundation
import MCP
import Testing

/// The MCP tools derived from the contract's operations: what each takes, and the request a
/// call makes.
@Suite struct OperationToolTests {
    static func tool(_ name: String) throws -> OperationTool {
        try #require(OperationTool.all.first { $0.name == name }, "no tool \(name)")
    }

    static func properties(_ tool: OperationTool) -> [String: Value] {
        tool.tool.inputSchema.objectValue?["properties"]?.objectValue ?? [:]
    }

    static func required(_ tool: OperationTool) -> Set<String> {
        Set(tool.tool.inputSchema.objectValue?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    @Test func aToolIsNamedDescribedAndShapedByItsOperation() throws {
        let status = try Self.tool("project_status")
        #expect(status.operation.id == "projectStatus")
        #expect(status.description.hasSuffix("Needs a viewer key."), "\(status.description)")
        #expect(Self.required(status) == ["project"])
        let project = Self.properties(status)["project"]?.objectValue
        #expect(project?["pattern"]?.stringValue?.isEmpty == false, "the name's pattern, resolved from its $ref")
        let secrets = try Self.tool("secrets_set")
        #expect(Self.required(secrets) == ["project", "values"])
        #expect(Set(Self.properties(secrets).keys) == ["project", "environment", "values"])
        #expect(try Self.tool("registry_login").description.hasSuffix("Needs an admin key."))
    }

    /// The environment defaults to production where the contract says so — never for a
    /// destructive operation.
    @Test func theEnvironmentDefaultsToProductionButNotForDelete() throws {
        let history = try Self.tool("history")
        #expect(!Self.required(history).contains("environment"))
        #expect(try history.request(["project": "shop"]).path == "/v1/projects/shop/environments/production/history")
        let delete = try Self.tool("delete")
        #expect(Self.required(delete) == ["project", "environment"])
        #expect(throws: ToolFailure.self) { try delete.request(["project": "shop"]) }
    }

    /// Streaming parameters are not arguments: a tool answers once.
    @Test func aStreamingParameterIsNoArgument() throws {
        let logs = try Self.tool("logs")
        #expect(Set(Self.properties(logs).keys) == ["project", "environment", "slot", "tail"])
        let request = try logs.request(["project": "shop", "environment": "staging", "tail": .int(20), "slot": "blue"])
        #expect(request.method == .get && request.body == nil)
        #expect(request.path == "/v1/projects/shop/environments/staging/logs?tail=20&slot=blue")
        #expect(try logs.request(["project": "shop", "follow": "1"]).path == "/v1/projects/shop/environments/production/logs", "follow is never sent")
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var tool: String
        var arguments: [String: Value]
        var says: String
        var testDescription: String { "\(tool): \(says)" }
    }

    /// No argument reshapes the URL: checked against the contract's pattern, enum and bounds,
    /// each refusal naming the argument.
    @Test(arguments: [
        Refusal(tool: "registry_logout", arguments: ["host": "evil.test/../../v1/keys"], says: "host \"evil.test/../../v1/keys\" is not a registry host"),
        Refusal(tool: "project_status", arguments: ["project": "../keys"], says: "project \"../keys\" is not a name (lowercase letters, digits and '-'): the project"),
        Refusal(tool: "revoke_key", arguments: ["id": "a/b"], says: "id \"a/b\" is not a key's id"),
        Refusal(tool: "logs", arguments: ["project": "shop", "slot": "red"], says: "slot must be one of blue, green"),
        Refusal(tool: "logs", arguments: ["project": "shop", "tail": .int(-1)], says: "tail must be from 0 to 10000"),
        Refusal(tool: "secrets_list", arguments: ["project": "shop", "environment": "prod&x=1"], says: "environment \"prod&x=1\" is not"),
        Refusal(tool: "team_delete", arguments: [:], says: "name is required"),
        Refusal(tool: "registry_login", arguments: ["host": "r.test", "username": "u"], says: "password is required"),
    ])
    func aBadArgumentIsRefusedBeforeAnyRequest(_ refusal: Refusal) throws {
        let tool = try Self.tool(refusal.tool)
        let error = try #require(throws: ToolFailure.self) { try tool.request(refusal.arguments) }
        #expect(error.description.contains(refusal.says), "\(error.description)")
    }

    /// Path values are percent-encoded; body arguments become the JSON body, path ones do not.
    @Test func aCallSplitsItsArgumentsIntoPathQueryAndBody() throws {
        let login = try Self.tool("registry_login")
        let request = try login.request(["host": "localhost:5000", "username": "ci", "password": "p/w&x"])
        #expect(request.method == .put && request.path == "/v1/registries/localhost:5000")
        let body = try JSONDecoder().decode([String: String].self, from: try #require(request.body))
        #expect(body == ["username": "ci", "password": "p/w&x"])
        let domains = try Self.tool("team_domains").request(["name": "acme"])
        #expect(domains.path == "/v1/teams/acme/domains" && domains.body == Data("{}".utf8), "absent domains: any domain")
        #expect(try Self.tool("list_projects").request(["team": "other"]).path == "/v1/projects", "an argument the operation does not take goes nowhere")
        let cleanup = try Self.tool("cleanup").request(["project": "shop", "environment": "preview-pr-1"])
        #expect(cleanup.path == "/v1/projects/shop/cleanup?environment=preview-pr-1" && cleanup.body == nil)
    }
}
