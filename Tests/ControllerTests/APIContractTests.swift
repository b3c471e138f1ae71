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
                #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let paths = try #require(document["paths"] as? [String: Any])
                let apply = (paths["/v1/apply"] as? [String: Any])?["post"] as? [String: Any]
                #expect(apply?["x-codeb-role"] as? String == "member")
                #expect(((paths["/healthz"] as? [String: Any])?["get"] as? [String: Any])?["x-codeb-role"] == nil, "open")
            }
        }
        #expect(APIContract.operations.count > 30, "\(APIContract.operations.count) operations")
        #expect(AuthMiddleware.probes == ["/healthz", "/readyz", "/metrics", "/openapi.json"], "the open paths are the contract's")
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

    /// Every query parameter a handler reads is declared in the contract (a parameter added to
    /// a handler and not to the contract fails here).
    @Test func everyQueryParameterAHandlerReadsIsDeclared() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appending(path: "Sources/Controller/API")
        var read: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appending(path: file), encoding: .utf8)
            read.formUnion(text.matches(of: /(?:query|queryParameters)\.(?:get|getAll)\("([A-Za-z-]+)"\)/).map { String($0.output.1) })
        }
        let document = try #require(try JSONSerialization.jsonObject(with: APIContract.json) as? [String: Any])
        var declared: Set<String> = []
        for item in (document["paths"] as? [String: Any] ?? [:]).values {
            for operation in (item as? [String: Any] ?? [:]).values {
                for parameter in (operation as? [String: Any])?["parameters"] as? [[String: Any]] ?? [] where parameter["in"] as? String == "query" {
                    if let name = parameter["name"] as? String { declared.insert(name) }
                }
            }
        }
        #expect(read.count >= 8, "\(read.sorted())")
        #expect(read.isSubset(of: declared), "query parameters read but not declared: \(read.subtracting(declared).sorted())")
    }
}
