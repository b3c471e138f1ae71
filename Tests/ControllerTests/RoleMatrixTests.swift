import APIModel
@testable import Controller
import Drivers
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MCP
import MCPEndpoint
import NIOCore
import Spec
import State
import TestSupport
import Testing

/// Every endpoint × every kind of caller × own team / another team, asserting the status.
@Suite struct RoleMatrixTests {
    enum Caller: String, CaseIterable, Sendable {
        case none, malformed, unknown, revoked, viewer, member, admin, owner

        var role: Role? { Role(rawValue: rawValue) }
    }

    enum Target: String, CaseIterable, Sendable {
        case own, other
    }

    struct Endpoint: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method
        /// The path for a target; `{key}` becomes a key id of that team.
        var path: @Sendable (Target) -> String
        var body: (@Sendable (Target) -> String)?
        /// Status for an allowed caller, by target and role.
        var expected: @Sendable (Target, Role) -> HTTPResponse.Status
        var testDescription: String { name }

        /// The least role, as the contract declares it (nil: open to everyone).
        var minimum: Role? { APIContract.operation(method.rawValue, RoleMatrixTests.route(of: self).split(separator: " ", maxSplits: 1).last.map(String.init) ?? "")?.role.flatMap(Role.init(rawValue:)) }
    }

    static func specJSON(team: String, project: String, version: Int = 2) -> String {
        let yaml = "project: \(project)\nteam: \(team)\nimage: codeb-test/web:\(version)\nport: 8080\nenvironments:\n  production: { domains: [\(project).test] }\n"
        let data = try! JSONEncoder().encode(["spec": yaml])
        return String(decoding: data, as: UTF8.self)
    }

    static let project: @Sendable (Target) -> String = { $0 == .own ? "shop" : "rival" }

    static let endpoints: [Endpoint] = [
        Endpoint(name: "GET /healthz", method: .get, path: { _ in "/healthz" }, expected: { _, _ in .ok }),
        Endpoint(name: "GET /openapi.json", method: .get, path: { _ in "/openapi.json" }, expected: { _, _ in .ok }),
        // Caddy asks for a host, not for a team: either team's domain is claimed.
        Endpoint(name: "GET /caddy/ask", method: .get, path: { "/caddy/ask?domain=\(project($0)).test" }, expected: { _, _ in .ok }),
        Endpoint(name: "GET /v1/projects", method: .get, path: { _ in "/v1/projects" }, expected: { _, _ in .ok }),
        Endpoint(name: "GET project", method: .get, path: { "/v1/projects/\(project($0))" },
                 expected: { target, _ in target == .own ? .ok : .notFound }),
        Endpoint(name: "GET history", method: .get, path: { "/v1/projects/\(project($0))/environments/production/history" },
                 expected: { target, _ in target == .own ? .ok : .notFound }),
        Endpoint(name: "POST apply", method: .post, path: { _ in "/v1/apply" },
                 body: { specJSON(team: $0 == .own ? "acme" : "other", project: project($0)) },
                 expected: { target, _ in target == .own ? .accepted : .forbidden }),
        Endpoint(name: "POST promote", method: .post, path: { "/v1/projects/\(project($0))/environments/production/promote" },
                 expected: { target, _ in target == .own ? .accepted : .notFound }),
        Endpoint(name: "POST rollback", method: .post, path: { "/v1/projects/\(project($0))/environments/production/rollback" },
                 expected: { target, _ in target == .own ? .unprocessableContent : .notFound }),
        Endpoint(name: "PUT maintenance", method: .put, path: { "/v1/projects/\(project($0))/environments/production/maintenance" },
                 body: { _ in #"{"message":"Back soon."}"# },
                 expected: { target, _ in target == .own ? .ok : .notFound }),
        Endpoint(name: "DELETE maintenance", method: .delete, path: { "/v1/projects/\(project($0))/environments/production/maintenance" },
                 expected: { target, _ in target == .own ? .noContent : .notFound }),
        // This world's API keeps no backups (no reconciler): an allowed caller of its own team
        // hears 409 saying so; another team's environment is 404 before anything else.
        Endpoint(name: "GET backups", method: .get, path: { "/v1/projects/\(project($0))/environments/production/services/cache/backups" },
                 expected: { target, _ in target == .own ? .conflict : .notFound }),
        Endpoint(name: "POST backups", method: .post, path: { "/v1/projects/\(project($0))/environments/production/services/cache/backups" },
                 expected: { target, _ in target == .own ? .conflict : .notFound }),
        Endpoint(name: "POST restore", method: .post, path: { "/v1/projects/\(project($0))/environments/production/services/cache/restore" },
                 body: { _ in "{}" },
                 expected: { target, _ in target == .own ? .conflict : .notFound }),
        Endpoint(name: "DELETE environment", method: .delete, path: { "/v1/projects/\(project($0))/environments/production" },
                 expected: { target, _ in target == .own ? .accepted : .notFound }),
        Endpoint(name: "GET keys", method: .get, path: { _ in "/v1/keys" }, expected: { _, _ in .ok }),
        Endpoint(name: "POST keys", method: .post, path: { _ in "/v1/keys" },
                 body: { $0 == .own ? #"{"role":"member"}"# : #"{"team":"other","role":"member"}"# },
                 expected: { target, role in target == .own || role == .owner ? .created : .forbidden }),
        Endpoint(name: "DELETE key", method: .delete, path: { "/v1/keys/{key-\($0.rawValue)}" },
                 expected: { target, role in target == .own || role == .owner ? .ok : .notFound }),
        Endpoint(name: "DELETE owner key", method: .delete, path: { "/v1/keys/{owner-\($0.rawValue)}" },
                 expected: { target, role in role == .owner ? .ok : target == .own ? .forbidden : .notFound }),
        Endpoint(name: "GET audit", method: .get, path: { _ in "/v1/audit" }, expected: { _, _ in .ok }),
        Endpoint(name: "GET teams", method: .get, path: { _ in "/v1/teams" }, expected: { _, _ in .ok }),
        Endpoint(name: "POST teams", method: .post, path: { _ in "/v1/teams" },
                 body: { $0 == .own ? #"{"name":"newteam"}"# : #"{"name":"other"}"# },
                 expected: { target, _ in target == .own ? .created : .conflict }),
        // Own: the caller's own team (refused: it would lock the caller out); other: a team
        // that still owns a project (refused).
        Endpoint(name: "DELETE team", method: .delete, path: { $0 == .own ? "/v1/teams/acme" : "/v1/teams/other" },
                 expected: { _, _ in .conflict }),
        // Secrets: the own project holds OLD; the other team's project name is taken (409 to
        // change, 404 to read: nothing of its secrets is ever visible).
        Endpoint(name: "GET secrets", method: .get, path: { "/v1/projects/\(project($0))/secrets" },
                 expected: { target, _ in target == .own ? .ok : .notFound }),
        Endpoint(name: "GET secrets history", method: .get, path: { "/v1/projects/\(project($0))/secrets/history" },
                 expected: { target, _ in target == .own ? .ok : .notFound }),
        Endpoint(name: "PUT secrets", method: .put, path: { "/v1/projects/\(project($0))/secrets" },
                 body: { _ in #"{"values":{"DATABASE_URL":"postgres://x"}}"# },
                 expected: { target, _ in target == .own ? .accepted : .conflict }),
        Endpoint(name: "POST secrets unset", method: .post, path: { "/v1/projects/\(project($0))/secrets/unset" },
                 body: { _ in #"{"names":["OLD"]}"# },
                 expected: { target, _ in target == .own ? .accepted : .conflict }),
        Endpoint(name: "POST rotate-key", method: .post, path: { _ in "/v1/secrets/rotate-key" }, expected: { _, _ in .ok }),
        Endpoint(name: "GET registries", method: .get, path: { _ in "/v1/registries" }, expected: { _, _ in .ok }),
        Endpoint(name: "PUT registry", method: .put, path: { _ in "/v1/registries/127.0.0.1:55000" },
                 body: { _ in #"{"username":"ci","password":"pw"}"# }, expected: { _, _ in .ok }),
        // Own: a registry the caller's team logged in to; other: one only the other team did.
        Endpoint(name: "DELETE registry", method: .delete, path: { $0 == .own ? "/v1/registries/registry.acme.test" : "/v1/registries/registry.other.test" }, expected: { target, _ in target == .own ? .ok : .notFound }),
        Endpoint(name: "POST cleanup", method: .post, path: { "/v1/projects/\(project($0))/cleanup" },
                 expected: { target, _ in target == .own ? .accepted : .notFound }),
        // Owners set any team's domain suffixes.
        Endpoint(name: "PUT team domains", method: .put, path: { $0 == .own ? "/v1/teams/acme/domains" : "/v1/teams/other/domains" },
                 body: { _ in #"{"domains":["example.test"]}"# }, expected: { _, _ in .ok }),
        Endpoint(name: "GET /readyz", method: .get, path: { _ in "/readyz" }, expected: { _, _ in .ok }),
        // No metrics registry in this world: the open path answers 404, still without a key.
        Endpoint(name: "GET /metrics", method: .get, path: { _ in "/metrics" }, expected: { _, _ in .notFound }),
        // No container engine in this world: the own environment's logs are unavailable (503),
        // another team's are not found.
        Endpoint(name: "GET logs", method: .get, path: { "/v1/projects/\(project($0))/environments/production/logs?follow=0" },
                 expected: { target, _ in target == .own ? .serviceUnavailable : .notFound }),
        // Another team's project filters to nothing, exactly like an unknown name: 200 and [].
        Endpoint(name: "GET events", method: .get, path: { "/v1/events?project=\(project($0))" },
                 expected: { _, _ in .ok }),
        Endpoint(name: "POST /mcp", method: .post, path: { _ in "/mcp" }, body: { _ in mcpInitialize }, expected: { _, _ in .ok }),
        Endpoint(name: "GET /mcp", method: .get, path: { _ in "/mcp" }, expected: { _, _ in .methodNotAllowed }),
        Endpoint(name: "DELETE /mcp", method: .delete, path: { _ in "/mcp" }, expected: { _, _ in .methodNotAllowed }),
    ]

    static let mcpInitialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"matrix","version":"1"}}}"#

    /// `METHOD /path` of an endpoint as the router lists it (`{project}`, `{id}`, …).
    static func route(of endpoint: Endpoint) -> String {
        var path = endpoint.path(.own).split(separator: "?").first.map(String.init) ?? ""
        for (concrete, pattern) in [("/v1/projects/shop", "/v1/projects/{project}"), ("/environments/production", "/environments/{environment}"),
                                    ("/services/cache", "/services/{service}"), ("/v1/keys/{key-own}", "/v1/keys/{id}"), ("/v1/keys/{owner-own}", "/v1/keys/{id}"),
                                    ("/v1/teams/acme", "/v1/teams/{name}"), ("/v1/registries/127.0.0.1:55000", "/v1/registries/{host}"),
                                    ("/v1/registries/registry.acme.test", "/v1/registries/{host}")] {
            path = path.replacingOccurrences(of: concrete, with: pattern)
        }
        return "\(endpoint.method.rawValue) \(path)"
    }

    /// The matrix is checked against the router, not the other way round: a route added
    /// without a row here (and so without a tested role) fails this test.
    @Test func everyRouteTheRouterServesIsInTheMatrix() async throws {
        let world = try await World()
        let served = Set(world.api.routes(extensions: [MCPEndpoint(destructiveTools: true)]).routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(served.count > 30, "the router lists its routes: \(served.sorted())")
        let covered = Set(Self.endpoints.map(Self.route))
        #expect(served.subtracting(covered).isEmpty, "routes without a row in the role matrix: \(served.subtracting(covered).sorted())")
        #expect(covered.subtracting(served).isEmpty, "rows naming routes the router does not serve: \(covered.subtracting(served).sorted())")
        // The contract is the list: every served route is one of its operations, and each of
        // those is served.
        let declared = Set(APIContract.operations.map(\.route))
        #expect(served == declared, "served, not declared: \(served.subtracting(declared).sorted()); declared, not served: \(declared.subtracting(served).sorted())")
        #expect(Set(APIContract.operations.map(\.id)).count == APIContract.operations.count, "operationIds are unique")
    }

    /// A fresh controller state: project shop (team acme) and rival (team other), keys of each role.
    struct World {
        let directory: String
        let api: ControllerAPI
        var callers: [Caller: String] = [:]
        var keyIDs: [Target: String] = [:]
        /// Owner keys of each team, for "no role acts on a key of a higher role".
        var ownerKeyIDs: [Target: String] = [:]
        var allKeys: [String] = []

        init() async throws {
            directory = NSTemporaryDirectory() + "codeb-matrix-" + UUID().uuidString.prefix(8)
            let store = try FileStore(directory: directory)
            let keys = try FileKeyStore(directory: directory)
            let vault = try SecretVault.open(store: store, keyFile: directory + "/secret.key")
            api = ControllerAPI(store: store, keys: keys, vault: vault)
            let acme = try ResourceName(parsing: "acme"), other = try ResourceName(parsing: "other")
            for role in Role.allCases {
                callers[Caller(rawValue: role.rawValue)!] = try await api.authenticator.createKey(team: acme, role: role, name: "\(role)", createdBy: "t").key.text
            }
            let revoked = try await api.authenticator.createKey(team: acme, role: .owner, name: "revoked", createdBy: "t")
            _ = try keys.revoke(id: revoked.record.id, at: Date())
            callers[.revoked] = revoked.key.text
            callers[.unknown] = APIKey.generate(team: acme, role: .owner).text
            callers[.malformed] = "codeb_acme_owner_not-a-key"
            keyIDs[.own] = try await api.authenticator.createKey(team: acme, role: .viewer, name: "target", createdBy: "t").record.id
            let rival = try await api.authenticator.createKey(team: other, role: .member, name: "rival", createdBy: "t")
            keyIDs[.other] = rival.record.id
            ownerKeyIDs[.own] = try await api.authenticator.createKey(team: acme, role: .owner, name: "owner-target", createdBy: "t").record.id
            ownerKeyIDs[.other] = try await api.authenticator.createKey(team: other, role: .owner, name: "owner-target", createdBy: "t").record.id
            allKeys = Array(callers.values) + [rival.key.text]
            try await api.operations.apply(try SpecLoader.load("project: shop\nteam: acme\nimage: codeb-test/web:1\nport: 8080\nenvironments:\n  production: { domains: [shop.test] }\n", file: "f"), environment: .production, author: "t")
            let shop = SecretOwner(team: acme, project: try ResourceName(parsing: "shop"))
            try await vault.set(shop, scope: nil, values: [try EnvVarName(parsing: "OLD"): "old"], author: "t")
            try await vault.login(team: acme, host: try RegistryHost(parsing: "registry.acme.test"), username: "ci", password: "pw", author: "t")
            try await vault.login(team: other, host: try RegistryHost(parsing: "registry.other.test"), username: "ci", password: "pw", author: "t")
            try await api.operations.apply(try SpecLoader.load("project: rival\nteam: other\nimage: codeb-test/web:1\nport: 8080\nenvironments:\n  production: { domains: [rival.test] }\n", file: "f"), environment: .production, author: "t")
        }
    }

    static func expectedStatus(_ endpoint: Endpoint, _ caller: Caller, _ target: Target) -> HTTPResponse.Status {
        guard let minimum = endpoint.minimum else { return endpoint.expected(target, .viewer) }
        guard let role = caller.role else { return .unauthorized }
        guard role >= minimum else { return .forbidden }
        return endpoint.expected(target, role)
    }

    @Test(arguments: endpoints, Caller.allCases)
    func statusCodes(_ endpoint: Endpoint, _ caller: Caller) async throws {
        for target in Target.allCases {
            let world = try await World()
            let app = Application(router: world.api.routes(extensions: [MCPEndpoint(destructiveTools: true)]))
            var path = endpoint.path(target)
            for (name, id) in world.keyIDs { path = path.replacingOccurrences(of: "{key-\(name.rawValue)}", with: id) }
            for (name, id) in world.ownerKeyIDs { path = path.replacingOccurrences(of: "{owner-\(name.rawValue)}", with: id) }
            var headers: HTTPFields = [.contentType: "application/json"]
            // MCP's streamable HTTP transport wants both.
            if path == "/mcp" { headers[.accept] = "application/json, text/event-stream" }
            if let key = world.callers[caller] { headers[.authorization] = "Bearer \(key)" }
            let body = endpoint.body.map { ByteBuffer(string: $0(target)) }
            let expected = Self.expectedStatus(endpoint, caller, target)
            let keysToHide = world.allKeys
            let (uri, fields) = (path, headers)
            try await app.test(.router) { client in
                try await client.execute(uri: uri, method: endpoint.method, headers: fields, body: body) { response in
                    let text = String(buffer: response.body)
                    #expect(response.status == expected, "\(endpoint.name) as \(caller) on \(target): \(text)")
                    if response.status.code >= 400 {
                        let error = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                        #expect(!error.error.code.isEmpty)
                    }
                    // The answer is what the contract declares for this operation and status.
                    let route = Self.route(of: endpoint).split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
                    if response.headers[.contentType]?.hasPrefix("application/json") == true, route != "/mcp" {
                        let declared = ContractConformance.schema(endpoint.method.rawValue, route, status: Int(response.status.code))
                            ?? (response.status.code >= 400 ? .object(["$ref": "#/components/schemas/ErrorBody"]) : nil)
                        let schema = try #require(declared, "\(endpoint.name): the contract declares no JSON answer for \(response.status.code)")
                        let answer = try JSONDecoder().decode(Value.self, from: Data(buffer: response.body))
                        let problems = ContractConformance.problems(answer, schema)
                        #expect(problems.isEmpty, "\(endpoint.name) as \(caller) on \(target): \(problems)")
                    }
                    for key in keysToHide { #expect(!text.contains(key), "a key leaked into a response") }
                }
            }
            // Keys never reach the state directory (keys.json, audit log, environment files).
            let enumerator = FileManager.default.enumerator(atPath: world.directory)
            while let file = enumerator?.nextObject() as? String {
                let content = (try? String(contentsOfFile: world.directory + "/" + file, encoding: .utf8)) ?? ""
                for key in keysToHide { #expect(!content.contains(key), "a key leaked into \(file)") }
            }
        }
    }

    @Test func everyMutationIsAudited() async throws {
        let world = try await World()
        let app = Application(router: world.api.routes())
        try await app.test(.router) { client in
            let member = try #require(world.callers[.member]), viewer = try #require(world.callers[.viewer])
            try await client.execute(uri: "/v1/projects/shop/environments/production/promote", method: .post, headers: [.authorization: "Bearer \(member)"]) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/v1/projects/shop/environments/production/promote", method: .post, headers: [.authorization: "Bearer \(viewer)"]) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/v1/projects/shop/environments/production/rollback", method: .post, headers: [.authorization: "Bearer \(member)"]) { #expect($0.status == .unprocessableContent) }
        }
        let log = try await world.api.keys.auditLog(team: "acme", limit: 10)
        #expect(log.map(\.result) == ["ok", "denied", "error"])
        #expect(log.allSatisfy { $0.target == "shop/production" })
        #expect(log[1].keyID != "-")
    }

    @Test func refusedAndMalformedAttemptsAreAuditedWithAReasonAndNoSpecValue() async throws {
        let world = try await World()
        let app = Application(router: world.api.routes())
        let member = try #require(world.callers[.member])
        let secretish = "s3cr3t-value-\(UUID().uuidString.prefix(6))"
        try await app.test(.router) { client in
            // An invalid spec that quotes a value, a body that is not JSON, no key, a wrong key.
            let bad = try JSONEncoder().encode(["spec": "project: shop\nteam: acme\nimage: app:1\nport: 0\nenv: { TOKEN: \(secretish) }\nenvironments: { production: {} }\n"])
            try await client.execute(uri: "/v1/apply", method: .post, headers: [.authorization: "Bearer \(member)", .contentType: "application/json"], body: ByteBuffer(bytes: bad)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/apply", method: .post, headers: [.authorization: "Bearer \(member)", .contentType: "application/json"], body: ByteBuffer(string: "{not json")) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/projects/shop/environments/production/promote", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/teams", method: .post, headers: [.authorization: "Bearer codeb_acme_owner_nope"], body: ByteBuffer(string: #"{"name":"x"}"#)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/keys", method: .post, headers: [.authorization: "Bearer \(try #require(world.callers[.admin]))", .contentType: "application/json"], body: ByteBuffer(string: #"{"role":"member"}"#)) { #expect($0.status == .created) }
        }
        let log = try await world.api.keys.auditLog(team: nil, limit: 20)
        #expect(log.map(\.result) == ["invalid", "invalid", "unauthorized", "unauthorized", "ok"], "\(log)")
        #expect(log.map { $0.reason ?? "" } == ["invalid_spec", "bad_request", "unauthorized", "unauthorized", ""])
        #expect(log[0].action == "apply" && log[0].keyID != "-" && log[0].team == "acme")
        #expect(log[2].action == "request" && log[2].target == "post /v1/projects/shop/environments/production/promote")
        #expect(log[4].action == "keys.create" && log[4].target == "acme/member", "key creation names team and role")
        for entry in log { #expect(!"\(entry)".contains(secretish), "no spec value in the audit log") }
    }

    @Test func anOwnerRegistersAndDeletesATeamWhoseKeysThenStopWorking() async throws {
        let world = try await World()
        let app = Application(router: world.api.routes())
        let owner = try #require(world.callers[.owner])
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(owner)", .contentType: "application/json"]
            try await client.execute(uri: "/v1/teams", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"ops"}"#)) { #expect($0.status == .created) }
            try await client.execute(uri: "/v1/teams", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"Bad Name"}"#)) { #expect($0.status == .badRequest) }
            let key = try await world.api.authenticator.createKey(team: .init(parsing: "ops"), role: .member, name: "ci", createdBy: "t").key.text
            try await client.execute(uri: "/v1/teams", method: .get, headers: headers) { response in
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let teams = try decoder.decode([TeamView].self, from: Data(buffer: response.body))
                #expect(teams.map(\.name) == ["acme", "ops", "other"])
                #expect(teams.first { $0.name == "ops" }?.keys == 1)
                #expect(teams.first { $0.name == "other" }?.projects == 1)
            }
            try await client.execute(uri: "/v1/teams/ops", method: .delete, headers: headers) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/projects", method: .get, headers: [.authorization: "Bearer \(key)"]) { #expect($0.status == .unauthorized, "a deleted team's keys stop working") }
            try await client.execute(uri: "/v1/teams/ops", method: .delete, headers: headers) { #expect($0.status == .notFound) }
        }
    }

    @Test func aBadSpecAnswers400WithEveryLocatedProblem() async throws {
        let world = try await World()
        let app = Application(router: world.api.routes())
        let body = try JSONEncoder().encode(["spec": "project: Shop\nteam: acme\nimage: app:1\nport: 0\nenvironments: { production: {} }\n"])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/apply", method: .post, headers: [.authorization: "Bearer \(world.callers[.member]!)"], body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .badRequest)
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(error.error.code == "invalid_spec")
                #expect(error.error.details?.map(\.path) == ["project", "port"])
            }
        }
    }

    @Test func aBareYAMLBodyIsAcceptedWithOptionsInTheQuery() async throws {
        let world = try await World()
        let app = Application(router: world.api.routes())
        let yaml = "project: shop\nteam: acme\nimage: codeb-test/web:3\nport: 8080\nenvironments:\n  production: { domains: [shop.test] }\n"
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(world.callers[.member]!)", .contentType: "application/yaml"]
            try await client.execute(uri: "/v1/apply?dryRun=1&environment=production", method: .post, headers: headers, body: ByteBuffer(string: yaml)) { response in
                #expect(response.status == .ok)
                let result = try JSONDecoder().decode(ApplyResult.self, from: Data(buffer: response.body))
                #expect(result.dryRun)
                #expect(result.environments.map(\.revision) == [2])
                #expect(result.environments.first?.changes == ["image: codeb-test/web:1 → codeb-test/web:3"])
            }
            try await client.execute(uri: "/v1/apply", method: .post, headers: headers, body: ByteBuffer(string: yaml)) { response in
                #expect(response.status == .accepted)
            }
        }
        #expect(try await world.api.store.load(EnvironmentKey(project: .init(parsing: "shop"), environment: .production))?.generation == 2)
    }
}
