@testable import Controller
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

/// A team deleted and later created again under the same name is a new team: it inherits none
/// of the old one's secrets, registry logins, right to images pulled with its login, audit log
/// or events.
@Suite struct TeamRecreationTests {
    @Test func aTeamCreatedAgainUnderADeletedNameInheritsNothing() async throws {
        let directory = NSTemporaryDirectory() + "codeb-recreate-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))
        let store = try FileStore(directory: directory)
        let keys = try FileKeyStore(directory: directory)
        let vault = try SecretVault.open(store: store, keyFile: directory + "/secret.key")
        let provenance = MemoryImageProvenance()
        let reconciler = Reconciler(store: store, runtime: FakeRuntime(), router: FakeRouter(), probe: FakeProbe { _ in true }, time: clock, vault: vault, provenance: provenance)
        let api = ControllerAPI(store: store, keys: keys, reconciler: reconciler, time: clock, vault: vault)
        let app = Application(router: api.routes())
        let acme = try ResourceName(parsing: "acme"), ops = try ResourceName(parsing: "ops")
        let owner = try await api.authenticator.createKey(team: acme, role: .owner, name: "owner", createdBy: "t").key.text
        let opsApp = SecretOwner(team: ops, project: try ResourceName(parsing: "opsapp"))
        let image = "sha256:" + String(repeating: "0c", count: 32)

        try await app.test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ uri: String, _ key: String, _ body: String? = nil) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                         body: body.map { ByteBuffer(string: $0) }) { ($0.status, String(buffer: $0.body)) }
            }
            // The first team "ops": a registry login, a secret, an image pulled with its login,
            // audited actions.
            #expect(try await call(.post, "/v1/teams", owner, #"{"name":"ops"}"#).0 == .created)
            let first = try await api.authenticator.createKey(team: ops, role: .admin, name: "ops-admin", createdBy: "t").key.text
            #expect(try await call(.put, "/v1/registries/registry.ops.test", first, #"{"username":"ops-ci","password":"pw"}"#).0 == .ok)
            try await vault.set(opsApp, scope: nil, values: [try EnvVarName(parsing: "DATABASE_URL"): "postgres://old-ops"], author: "t")
            try await provenance.record(imageID: image, pulledBy: "ops", withLogin: true)
            #expect(try await call(.post, "/v1/keys", first, #"{"role":"viewer"}"#).0 == .created)

            clock.advance(by: 60)
            #expect(try await call(.delete, "/v1/teams/ops", owner).0 == .ok)
            clock.advance(by: 60)

            // The second team "ops".
            #expect(try await call(.post, "/v1/teams", owner, #"{"name":"ops"}"#).0 == .created)
            let second = try await api.authenticator.createKey(team: ops, role: .admin, name: "ops-admin-2", createdBy: "t").key.text
            let registries = try await call(.get, "/v1/registries", second)
            #expect(registries.0 == .ok && !registries.1.contains("registry.ops.test"), "no old login: \(registries.1)")
            #expect(try await vault.store.secrets(opsApp).entries.isEmpty, "no old secret")
            #expect(try await vault.store.registries(ops).credentials.isEmpty)
            #expect(!(await provenance.mayRun(imageID: image, team: "ops")), "the old team's private pull is nobody's now")
            let audit = try await call(.get, "/v1/audit", second)
            #expect(audit.0 == .ok && !audit.1.contains("registry.ops.test") && !audit.1.contains("keys.create"), "no old audit: \(audit.1)")
            // The owner still reads the whole log: history is kept.
            let all = try await call(.get, "/v1/audit", owner)
            #expect(all.1.contains("registry.ops.test") && all.1.contains("teams.delete"))
        }
    }

    @Test func anEnvironmentsEventsAreNotShownToWhoeverTakesItsNameLater() async throws {
        let directory = NSTemporaryDirectory() + "codeb-events-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))
        let store = try FileStore(directory: directory)
        let keys = try FileKeyStore(directory: directory)
        let events = EventFeed()
        let reconciler = Reconciler(store: store, runtime: FakeRuntime(), router: FakeRouter(), probe: FakeProbe { _ in true }, time: clock, events: events)
        let api = ControllerAPI(store: store, keys: keys, reconciler: reconciler, time: clock)
        let app = Application(router: api.routes())
        let acme = try ResourceName(parsing: "acme"), rivals = try ResourceName(parsing: "rivals")
        let acmeKey = try await api.authenticator.createKey(team: acme, role: .viewer, name: "v", createdBy: "t").key.text
        let rivalsKey = try await api.authenticator.createKey(team: rivals, role: .viewer, name: "v", createdBy: "t").key.text
        let key = EnvironmentKey(project: try ResourceName(parsing: "shop"), environment: .production)
        let spec = { (team: String) in try SpecLoader.load("project: shop\nteam: \(team)\nimage: app:1\nport: 8080\nenvironments:\n  production: { domains: [shop.test] }\n", file: "f") }

        try await StateOperations(store: store, time: clock, ports: TestPorts.ranges).apply(try spec("acme"), environment: .production, author: "t")
        clock.advance(by: 1)
        events.record(ControllerEvent(time: clock.now(), key: key, level: .warning, message: "acme's secret incident"))
        clock.advance(by: 60)
        // acme's environment is gone; the rivals take the name.
        try await store.update(key) { state, _ in state = nil }
        clock.advance(by: 60)
        try await StateOperations(store: store, time: clock, ports: TestPorts.ranges).apply(try spec("rivals"), environment: .production, author: "t")
        clock.advance(by: 1)
        events.record(ControllerEvent(time: clock.now(), key: key, level: .info, message: "rivals' own rollout"))

        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/events?project=shop", method: .get, headers: [.authorization: "Bearer \(rivalsKey)"]) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok && text.contains("rivals' own rollout"), "\(text)")
                #expect(!text.contains("acme's secret incident"), "an event of the name's earlier owner: \(text)")
            }
            try await client.execute(uri: "/v1/events?project=shop", method: .get, headers: [.authorization: "Bearer \(acmeKey)"]) { response in
                #expect(!String(buffer: response.body).contains("rivals"), "nor the other way round")
            }
            // `limit` counts the team's own events, the newest kept.
            events.record(ControllerEvent(time: clock.now(), key: key, level: .info, message: "rivals' second rollout"))
            try await client.execute(uri: "/v1/events?project=shop&limit=1", method: .get, headers: [.authorization: "Bearer \(rivalsKey)"]) { response in
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let listed = try decoder.decode([ControllerEvent].self, from: Data(buffer: response.body))
                #expect(listed.map(\.message) == ["rivals' second rollout"])
            }
        }
    }
}
