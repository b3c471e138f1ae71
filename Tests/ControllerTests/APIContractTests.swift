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

    /// A tool that is one operation is destructive exactly when the contract says the operation is.
    @Test func aToolIsDestructiveExactlyWhenItsOperationIs() {
        let tools = CodebTools(api: nil, destructive: true).tools
        for tool in tools {
            guard let routes = CodebTools.routes[tool.name], routes.count == 1, tool.name != "plan", let route = routes.first else { continue }
            let operation = APIContract.operation(route.method.rawValue, route.path)
            #expect(operation != nil, "\(tool.name): \(route) is in the contract")
            #expect((tool.annotations.destructiveHint == true) == (operation?.destructive ?? false), "\(tool.name) vs \(operation?.id ?? "?")")
        }
    }
}
