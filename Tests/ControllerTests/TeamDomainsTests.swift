@testable import Controller
import APIModel
import Drivers
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Spec
import State
import Testing
import TestSupport

/// Domains are not first come, first served across teams: an owner gives each team its domain
/// suffixes, an apply naming a domain outside them is a located 403, and hostnames under the
/// preview domain are the generator's alone.
@Suite struct TeamDomainsTests {
    struct World {
        let directory = NSTemporaryDirectory() + "codeb-domains-" + UUID().uuidString.prefix(8)
        let api: ControllerAPI
        let app: Application<RouterResponder<APIContext>>
        let owner: String, acme: String, rivals: String

        init() async throws {
            let store = try FileStore(directory: directory)
            let keys = try FileKeyStore(directory: directory)
            let reconciler = Reconciler(store: store, runtime: FakeRuntime(), router: FakeRouter(), probe: FakeProbe { _ in true },
                                        previewDomain: try Hostname(parsing: "preview.test"))
            api = ControllerAPI(store: store, keys: keys, reconciler: reconciler, ports: TestPorts.ranges)
            app = Application(router: api.routes())
            let ops = try ResourceName(parsing: "ops")
            owner = try await api.authenticator.createKey(team: ops, role: .owner, name: "owner", createdBy: "t").key.text
            acme = try await api.authenticator.createKey(team: try ResourceName(parsing: "acme"), role: .member, name: "ci", createdBy: "t").key.text
            rivals = try await api.authenticator.createKey(team: try ResourceName(parsing: "rivals"), role: .member, name: "ci", createdBy: "t").key.text
        }

        static func spec(team: String, project: String, domains: [String]) -> String {
            "project: \(project)\nteam: \(team)\nimage: app:1\nport: 8080\nenvironments:\n  production:\n    domains:\n"
                + domains.map { "      - \($0)\n" }.joined()
        }
    }

    static func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ key: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                 body: ByteBuffer(string: body)) { ($0.status, String(buffer: $0.body)) }
    }

    static func apply(_ client: some TestClientProtocol, _ key: String, _ yaml: String) async throws -> (HTTPResponse.Status, ErrorBody?) {
        let body = String(decoding: try JSONEncoder().encode(["spec": yaml]), as: UTF8.self)
        let (status, text) = try await call(client, .post, "/v1/apply", key, body)
        return (status, try? JSONDecoder().decode(ErrorBody.self, from: Data(text.utf8)))
    }

    @Test func aDomainOutsideTheTeamsSuffixesIsALocated403AndChangesNothing() async throws {
        let world = try await World()
        defer { try? FileManager.default.removeItem(atPath: world.directory) }
        try await world.app.test(.router) { client in
            // Unset: any domain, as before.
            #expect(try await Self.apply(client, world.rivals, World.spec(team: "rivals", project: "first", domains: ["anything.example"])).0 == .accepted)
            #expect(try await Self.call(client, .put, "/v1/teams/acme/domains", world.owner, #"{"domains":["acme.test","acme.dev"]}"#).0 == .ok)
            #expect(try await Self.call(client, .put, "/v1/teams/rivals/domains", world.owner, #"{"domains":["rivals.test"]}"#).0 == .ok)

            let own = try await Self.apply(client, world.acme, World.spec(team: "acme", project: "shop", domains: ["shop.acme.test", "acme.dev"]))
            #expect(own.0 == .accepted, "\(String(describing: own.1))")
            // The rivals try to take acme's future hostname, and a lookalike that is not under it.
            let theft = try await Self.apply(client, world.rivals, World.spec(team: "rivals", project: "heist", domains: ["www.rivals.test", "blog.acme.test", "evilacme.test"]))
            #expect(theft.0 == .forbidden && theft.1?.error.code == "domain_not_allowed")
            let problems = theft.1?.error.details ?? []
            #expect(problems.map(\.path) == ["environments.production.domains[1]", "environments.production.domains[2]"])
            #expect(problems.map(\.line) == [9, 10] && problems.allSatisfy { $0.column == 9 }, "\(problems)")
            #expect(problems.first?.message.contains("outside the domains of team rivals (rivals.test)") == true, "\(problems)")
            #expect(try await world.api.store.load(EnvironmentKey(project: try ResourceName(parsing: "heist"), environment: .production)) == nil, "nothing recorded")
        }
    }

    @Test func aHostnameUnderThePreviewDomainIsTheGeneratorsAlone() async throws {
        let world = try await World()
        defer { try? FileManager.default.removeItem(atPath: world.directory) }
        try await world.app.test(.router) { client in
            // Not even a team with no suffixes may pre-claim another project's preview hostname.
            let early = try await Self.apply(client, world.rivals, World.spec(team: "rivals", project: "squat", domains: ["preview-pr-1.shop.preview.test"]))
            #expect(early.0 == .forbidden && early.1?.error.details?.first?.message.contains("under the preview domain preview.test") == true,
                    "\(String(describing: early.1))")
        }
    }

    @Test func suffixesAreKeptAndListedAndABadOneIsRefused() async throws {
        let world = try await World()
        defer { try? FileManager.default.removeItem(atPath: world.directory) }
        try await world.app.test(.router) { client in
            #expect(try await Self.call(client, .post, "/v1/teams", world.owner, #"{"name":"newco","domains":["newco.test"]}"#).0 == .created)
            #expect(try await Self.call(client, .put, "/v1/teams/acme/domains", world.owner, #"{"domains":["bad domain"]}"#).0 == .badRequest)
            #expect(try await Self.call(client, .put, "/v1/teams/nobody/domains", world.owner, #"{"domains":["x.test"]}"#).0 == .notFound)
            let (_, listed) = try await Self.call(client, .get, "/v1/teams", world.owner, "")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let teams = try decoder.decode([TeamView].self, from: Data(listed.utf8))
            #expect(teams.first { $0.name == "newco" }?.domains == ["newco.test"])
            #expect(teams.first { $0.name == "acme" }?.domains == nil, "a team with keys only: any domain")
            #expect(try await Self.call(client, .put, "/v1/teams/newco/domains", world.owner, #"{"domains":null}"#).0 == .ok)
            #expect(try await world.api.keys.teams().first { $0.name.value == "newco" }?.domains == nil)
        }
    }
}
