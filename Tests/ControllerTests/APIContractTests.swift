import APIModel
import CodebMCP
@testable import Controller
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The contract (`Sources/APIModel/Contract/openapi.yaml`) is served as JSON without a key and is
/// what the role checks and the assistants' tools agree with.
@Suite struct APIContractTests {
    @Test func theContractIsServedOpenAsJSONWithEachOperationsRole() async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes())
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("application/json") == true)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let paths = try #require(document["paths"] as? [String: Any])
                let apply = (paths["/v1/apply"] as? [String: Any])?["post"] as? [String: Any]
                #expect(apply?["x-codeb-role"] as? String == "member")
                #expect(((paths["/healthz"] as? [String: Any])?["get"] as? [String: Any])?["x-codeb-role"] == nil, "open")
            }
        }
        #expect(APIContract.operations.count > 30, "\(APIContract.operations.count) operations")
        #expect(AuthMiddleware.probes == ["/healthz", "/readyz", "/metrics", "/openapi.json", "/caddy/ask"], "the open paths are the contract's")
    }

    /// Every mutation attempt is audited: each mutating operation names its audit action in the
    /// contract (`/mcp` audits each tool call instead).
    @Test func everyMutatingOperationDeclaresItsAuditAction() {
        for operation in APIContract.operations where operation.method != "GET" && operation.role != nil && operation.path != "/mcp" {
            #expect(operation.audit != nil, "\(operation.route) (\(operation.id)) has no x-codeb-audit")
        }
        #expect(APIContract.operations.filter { $0.method == "GET" }.allSatisfy { $0.audit == nil }, "reads are not audited")
    }

    /// The role is checked once, before the handler reads anything: a viewer's apply is refused
    /// and audited under the contract's action without its body being parsed.
    @Test func aRefusedRoleIsAuditedUnderTheOperationsActionBeforeTheBodyIsRead() async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes())
        let viewer = try #require(world.callers[.viewer])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apply", method: .post, headers: [.authorization: "Bearer \(viewer)", .contentType: "application/json"], body: ByteBuffer(string: "{not json")) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("this needs a member key; yours is viewer"))
            }
            try await client.execute(uri: "/v1/registries/registry.acme.test", method: .delete, headers: [.authorization: "Bearer \(viewer)"]) { #expect($0.status == .forbidden) }
            // The caller's own text names the target: it is cut, not written whole.
            try await client.execute(uri: "/v1/registries/" + String(repeating: "a", count: 2000), method: .delete, headers: [.authorization: "Bearer \(viewer)"]) { #expect($0.status == .forbidden) }
        }
        let log = try await world.api.keys.auditLog(team: "acme", limit: 10)
        #expect(log.map(\.action) == ["apply", "registry.logout", "registry.logout"])
        #expect(log.map(\.result) == ["denied", "denied", "denied"])
        #expect(log.map(\.target) == ["-", "registry.acme.test", String(repeating: "a", count: 255)])
    }

    /// A route no operation declares has no declared role: refused for every key (deny by default).
    @Test func aRouteTheContractDoesNotDeclareIsRefused() async throws {
        struct Undeclared: APIExtension {
            func addRoutes(to router: Router<APIContext>, api: ControllerAPI, responder: RouterResponder<APIContext>) {
                router.get("/v1/undeclared") { _, _ in "served" }
            }
        }
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes(extensions: [Undeclared()]))
        let owner = try #require(world.callers[.owner])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/undeclared", method: .get, headers: [.authorization: "Bearer \(owner)"]) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("not an operation of the API contract"))
            }
        }
    }

    /// The bounds the contract declares for a query parameter are the API's: outside them, 400
    /// saying the range.
    @Test(arguments: ["/v1/projects/shop/environments/production/logs?tail=-1", "/v1/projects/shop/environments/production/logs?tail=10001",
                      "/v1/events?limit=0", "/v1/events?limit=x"])
    func aQueryParameterOutsideItsDeclaredBoundsIsRefused(_ uri: String) async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes())
        let member = try #require(world.callers[.member])
        try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(member)"]) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("is a whole number from"), "\(String(buffer: response.body))")
            }
        }
    }

    /// The handlers are the contract's generated server (`APIProtocol`: the compiler holds each
    /// to its operation's input and output): none reads the request itself, and the generator
    /// serves every operation but the extensions'.
    @Test func theHandlersReadOnlyTheirOperationsInput() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appending(path: "Sources/Controller/API")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasPrefix("ControllerAPI+") {
            let text = try String(contentsOf: folder.appending(path: file), encoding: .utf8)
            for reading in ["queryParameters", "request.body.", "context.parameters", "request.headers", "request.uri"] {
                #expect(!text.contains(reading), "\(file) reads the request itself (\(reading))")
            }
        }
        let config = try String(contentsOf: root.appending(path: "Sources/APIModel/Contract/openapi-generator-config.yaml"), encoding: .utf8)
        let served = try #require(config.firstMatch(of: /tags: \[([a-z, ]+)\]/)).output.1.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let document = try #require(try JSONSerialization.jsonObject(with: APIContract.json) as? [String: Any])
        let tags = (document["tags"] as? [[String: Any]] ?? []).filter { $0["x-codeb-extension"] as? Bool != true }.compactMap { $0["name"] as? String }
        #expect(Set(served) == Set(tags), "the generator's filter lists the contract's tags but the extensions'")
        #expect(APIContract.operations.filter(\.byExtension).map(\.path).allSatisfy { $0 == "/mcp" })
    }

    /// A body past the contract's `x-codeb-body-limit` is refused before anything reads it: 413,
    /// audited under the operation's action.
    @Test func aBodyPastItsDeclaredLimitIsRefusedAndAudited() async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes())
        let admin = try #require(world.callers[.admin])
        let limit = try #require(APIContract.operations.first { $0.id == "createKey" }?.bodyLimit)
        try await app.test(.router) { client in
            let body = #"{"role": "member", "name": ""# + String(repeating: "x", count: limit) + #""}"#
            try await client.execute(uri: "/v1/keys", method: .post, headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"], body: ByteBuffer(string: body)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains("too large"))
            }
        }
        let log = try await world.api.keys.auditLog(team: "acme", limit: 1)
        #expect(log.map(\.action) == ["keys.create"] && log.map(\.result) == ["invalid"], "\(log)")
    }

    /// A body the contract's server cannot read is answered with the contract's example, never
    /// the decoder's words (they may quote a secret value), and audited as an invalid attempt.
    @Test func anUnreadableBodyIsShownTheExampleAndNeverQuoted() async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes())
        let member = try #require(world.callers[.member])
        try await app.test(.router) { client in
            for body in [#"{"values": {"TOKEN": "s3cr3t-value"#, #"{"values": {"TOKEN": ["s3cr3t-value"]}}"#] {
                try await client.execute(uri: "/v1/projects/shop/secrets", method: .put, headers: [.authorization: "Bearer \(member)", .contentType: "application/json"], body: ByteBuffer(string: body)) { response in
                    let text = String(buffer: response.body)
                    #expect(response.status == .badRequest)
                    #expect(text.contains("DATABASE_URL") && !text.contains("s3cr3t"), "\(text)")
                }
            }
        }
        let log = try await world.api.keys.auditLog(team: "acme", limit: 2)
        #expect(log.map(\.action) == ["secrets.set", "secrets.set"] && log.allSatisfy { $0.result == "invalid" && !$0.detail.contains("s3cr3t") }, "\(log)")
    }

    /// A query value outside its declared enum or pattern is refused with what it takes.
    @Test(arguments: [("/v1/projects/shop/environments/production/logs?slot=purple", "slot is blue or green"),
                      ("/v1/events?project=Not_A_Name", "is not a name (lowercase letters"),
                      ("/v1/audit?before=yesterday", "is not an RFC 3339 time")])
    func aQueryValueOutsideItsSchemaIsRefused(_ uri: String, _ said: String) async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes())
        let admin = try #require(world.callers[.admin])
        try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(admin)"]) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(said), "\(String(buffer: response.body))")
            }
        }
    }
}
