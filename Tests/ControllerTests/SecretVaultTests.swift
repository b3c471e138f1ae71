@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing
import TestSupport

/// Secrets and registry logins through the vault on both stores: sealed at rest (a byte search
/// of the state directory or a pg_dump finds no value), read back by the version a revision
/// pins, sealed again by a key rotation without losing one.
@Suite struct SecretVaultTests {
    static func name(_ text: String) -> EnvVarName { try! EnvVarName(parsing: text) }
    static let owner = SecretOwner(team: try! ResourceName(parsing: "acme"), project: try! ResourceName(parsing: "shop"))

    static func vault(_ store: any Store, keyDirectory: String) throws -> SecretVault {
        try SecretVault.open(store: store as! any SecretStore, keyFile: keyDirectory + "/secret.key")
    }

    static func spec(secrets: String = "[DATABASE_URL]", staging: String = "{}") throws -> Spec {
        try SpecLoader.load("""
            project: shop
            team: acme
            image: codeb-test/web:1
            port: 8080
            environments:
              production: { domains: [shop.test], secrets: \(secrets) }
              staging: \(staging)

            """, file: "codeb.yaml")
    }

    /// Every byte the store keeps: the state directory's files, or a dump of the database.
    static func storedBytes(_ harness: StoreHarness) throws -> Data {
        if let database = harness.database { return try database.dump() }
        var bytes = Data()
        let enumerator = FileManager.default.enumerator(atPath: harness.directory)
        while let path = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: harness.directory + "/" + path) { bytes.append(data) }
        }
        return bytes
    }

    @Test(arguments: StoreKind.allCases)
    func valuesAreSealedAtRestAndReadBackByTheirPinnedVersion(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let keys = NSTemporaryDirectory() + "codeb-keys-" + UUID().uuidString.prefix(8)
            defer { try? FileManager.default.removeItem(atPath: keys) }
            let store = try await harness.open()
            let vault = try Self.vault(store, keyDirectory: keys)
            let first = "postgres://first-\(UUID().uuidString)", second = "postgres://second-\(UUID().uuidString)"
            let password = "registry-\(UUID().uuidString)"
            try await vault.set(Self.owner, scope: nil, values: [Self.name("DATABASE_URL"): first], author: "t")
            let pinnedFirst = try #require(try await vault.bind(Self.owner, names: [Self.name("DATABASE_URL")], environment: .production))
            try await vault.set(Self.owner, scope: .production, values: [Self.name("DATABASE_URL"): second], author: "t")
            let pinnedSecond = try #require(try await vault.bind(Self.owner, names: [Self.name("DATABASE_URL")], environment: .production))
            try await vault.login(team: Self.owner.team, host: try RegistryHost(parsing: "127.0.0.1:55000"), username: "ci", password: password, author: "t")

            #expect(pinnedFirst != pinnedSecond)
            #expect(try await vault.values(Self.owner, binding: pinnedFirst) == ["DATABASE_URL": first])
            #expect(try await vault.values(Self.owner, binding: pinnedSecond) == ["DATABASE_URL": second])
            // Staging has no override: it reads the project's value.
            let staging = try #require(try await vault.bind(Self.owner, names: [Self.name("DATABASE_URL")], environment: .staging))
            #expect(try await vault.values(Self.owner, binding: staging) == ["DATABASE_URL": first])
            #expect(try await vault.login(team: Self.owner.team, host: try RegistryHost(parsing: "127.0.0.1:55000"))?.password == password)

            let bytes = try Self.storedBytes(harness)
            #expect(!bytes.isEmpty)
            for value in [first, second, password] {
                #expect(bytes.range(of: Data(value.utf8)) == nil, "a value is stored in clear")
            }
            // Another team asking for the same project sees nothing.
            let other = SecretOwner(team: try ResourceName(parsing: "rival"), project: Self.owner.project)
            #expect(try await vault.store.secrets(other).entries.isEmpty)
            #expect(try await vault.store.registries(other.team).credentials.isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aKeyRotationSealsEveryValueAgainAndKeepsItReadable(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let keys = NSTemporaryDirectory() + "codeb-keys-" + UUID().uuidString.prefix(8)
            defer { try? FileManager.default.removeItem(atPath: keys) }
            let vault = try Self.vault(try await harness.open(), keyDirectory: keys)
            let host = try RegistryHost(parsing: "registry.example.com")
            try await vault.set(Self.owner, scope: nil, values: [Self.name("A"): "one", Self.name("B"): "two"], author: "t")
            try await vault.set(Self.owner, scope: .staging, values: [Self.name("A"): "three"], author: "t")
            try await vault.login(team: Self.owner.team, host: host, username: "ci", password: "pw", author: "t")
            let before = vault.currentKeyID
            let production = try #require(try await vault.bind(Self.owner, names: [Self.name("A"), Self.name("B")], environment: .production))
            let staging = try #require(try await vault.bind(Self.owner, names: [Self.name("A")], environment: .staging))

            let rotation = try await vault.rotateKey()
            guard case .rotated(let key, 4) = rotation else { Issue.record("\(rotation)"); return }
            #expect(vault.currentKeyID == key)
            #expect(vault.currentKeyID != before)
            #expect(try String(contentsOfFile: keys + "/secret.key", encoding: .utf8).split(separator: "\n").count == 1)
            // A controller started afresh on the rotated key file opens everything.
            let reopened = try Self.vault(vault.store as! any Store, keyDirectory: keys)
            #expect(try await reopened.values(Self.owner, binding: production) == ["A": "one", "B": "two"])
            #expect(try await reopened.values(Self.owner, binding: staging) == ["A": "three"])
            #expect(try await reopened.login(team: Self.owner.team, host: host)?.password == "pw")
            #expect(try await vault.store.secrets(Self.owner).entries.allSatisfy { $0.sealed?.keyID == reopened.currentKeyID })
        }
    }

    @Test func anApplyNamingASecretWithoutValueIsRefusedAndChangesNothing() async throws {
        let store = MemoryStore()
        let keys = NSTemporaryDirectory() + "codeb-keys-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let operations = StateOperations(store: store, vault: try Self.vault(store, keyDirectory: keys))
        let error = await #expect(throws: MissingSecrets.self) {
            try await operations.apply(try Self.spec(secrets: "[DATABASE_URL, API_TOKEN]"), environment: .production, author: "t")
        }
        #expect(error?.names.map(\.value) == ["API_TOKEN", "DATABASE_URL"])
        #expect(error?.description.contains("codeb secrets set shop --env production API_TOKEN=… DATABASE_URL=…") == true)
        #expect(await store.keys().isEmpty)
        #expect(APIError.from(error!).status == .unprocessableContent)
    }

    @Test func aChangeRollsOutExactlyTheEnvironmentsWhoseValuesChanged() async throws {
        let store = MemoryStore()
        let keys = NSTemporaryDirectory() + "codeb-keys-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let vault = try Self.vault(store, keyDirectory: keys)
        let operations = StateOperations(store: store, vault: vault)
        try await vault.set(Self.owner, scope: nil, values: [Self.name("DATABASE_URL"): "a"], author: "t")
        let spec = try Self.spec(staging: "{ secrets: [DATABASE_URL] }")
        try await operations.apply(spec, environment: .production, author: "t")
        try await operations.apply(spec, environment: .staging, author: "t")
        // Applying the same again is no new revision: the pins are the same.
        #expect(try await operations.apply(spec, environment: .production, author: "t").number == 1)

        try await vault.set(Self.owner, scope: .staging, values: [Self.name("DATABASE_URL"): "b"], author: "t")
        let staged = try await operations.rollOutSecrets(Self.owner, author: "t")
        #expect(staged.map(\.environment) == [.staging])
        try await vault.set(Self.owner, scope: nil, values: [Self.name("DATABASE_URL"): "c"], author: "t")
        let everywhere = try await operations.rollOutSecrets(Self.owner, author: "t")
        // Staging reads its own value, which did not change.
        #expect(everywhere.map(\.environment) == [.production])
        let production = try #require(await store.load(EnvironmentKey(project: Self.owner.project, environment: .production)))
        #expect(production.revisions.map(\.source) == [.apply, .secrets])
        #expect(production.revisions[0].hash != production.revisions[1].hash)
        #expect(try await operations.environmentsNeeding([Self.name("DATABASE_URL")], of: Self.owner, unsetFrom: nil) == [.production])
        #expect(try await operations.environmentsNeeding([Self.name("DATABASE_URL")], of: Self.owner, unsetFrom: .staging) == [])
    }

    @Test(arguments: [
        // (scopes set, environment asked) → the scope read
        ([nil, "production"], "production", "production"),
        ([nil, "production"], "staging", "*"),
        ([nil, "preview"], "preview-pr-1", "preview"),
        (["preview", "preview-pr-1"], "preview-pr-1", "preview-pr-1"),
        (["preview"], "staging", nil),
    ] as [([String?], String, String?)])
    func theMostSpecificScopeWins(scopes: [String?], environment: String, expected: String?) throws {
        var set = SecretSet()
        for (index, scope) in scopes.enumerated() {
            set.version = index + 1
            set.entries.append(SecretEntry(version: index + 1, name: Self.name("A"), scope: try scope.map(EnvironmentName.init(parsing:)),
                                           sealed: SealedValue(keyID: "k", box: Data()), author: "t", at: Date()))
        }
        let entry = set.current(Self.name("A"), for: try EnvironmentName(parsing: environment))
        #expect(entry.map { $0.scope?.value ?? "*" } == expected)
    }

    @Test func anUnsetLetsTheWiderValueShowThrough() {
        var set = SecretSet(version: 2, entries: [
            SecretEntry(version: 1, name: Self.name("A"), scope: nil, sealed: SealedValue(keyID: "k", box: Data([1])), author: "t", at: Date()),
            SecretEntry(version: 2, name: Self.name("A"), scope: .production, sealed: SealedValue(keyID: "k", box: Data([2])), author: "t", at: Date()),
        ])
        #expect(set.current(Self.name("A"), for: .production)?.version == 2)
        set.entries.append(SecretEntry(version: 3, name: Self.name("A"), scope: .production, sealed: nil, author: "t", at: Date()))
        #expect(set.current(Self.name("A"), for: .production)?.version == 1)
        #expect(set.listed(scope: .production).isEmpty)
    }
}
