@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing

@Suite struct AuthTests {
    static func store() throws -> FileKeyStore {
        try FileKeyStore(directory: NSTemporaryDirectory() + "codeb-keys-" + UUID().uuidString.prefix(8))
    }

    @Test func keysHaveTheCodebShapeAndEnoughRandomness() throws {
        let key = APIKey.generate(team: try ResourceName(parsing: "acme"), role: .member)
        #expect(key.text.hasPrefix("codeb_acme_member_"))
        #expect(key.text.count == "codeb_acme_member_".count + 40)
        #expect(APIKey(parsing: key.text) == key)
        let others = (0..<100).map { _ in APIKey.generate(team: key.team, role: .member).text }
        #expect(Set(others).count == 100)
    }

    @Test(arguments: ["", "codeb", "codeb_acme_member", "codeb_acme_god_" + String(repeating: "a", count: 40),
                      "codeb_Acme_member_" + String(repeating: "a", count: 40), "codeb_acme_member_" + String(repeating: "A", count: 40),
                      "codeb_acme_member_abc", "bearer codeb_acme_member_" + String(repeating: "a", count: 40)])
    func malformedKeysDoNotParse(_ text: String) {
        #expect(APIKey(parsing: text) == nil)
    }

    @Test func aCreatedKeyAuthenticatesAndOnlyItsHashIsStored() async throws {
        let keys = try Self.store()
        let auth = Authenticator(keys: keys)
        let (key, record) = try await auth.createKey(team: try ResourceName(parsing: "acme"), role: .admin, name: "ci", createdBy: "test")
        let principal = try #require(try await auth.authenticate(key.text))
        #expect(principal.team.value == "acme")
        #expect(principal.role == .admin)
        #expect(principal.keyID == record.id)
        let file = try String(contentsOfFile: keys.directory + "/keys.json", encoding: .utf8)
        #expect(!file.contains(key.text))
        #expect(!file.contains(String(key.text.suffix(40))))
        #expect(file.contains(key.hash))
        let attributes = try FileManager.default.attributesOfItem(atPath: keys.directory + "/keys.json")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func unknownForgedAndRevokedKeysAreRefused() async throws {
        let keys = try Self.store()
        let auth = Authenticator(keys: keys)
        let (key, record) = try await auth.createKey(team: try ResourceName(parsing: "acme"), role: .member, name: "x", createdBy: "t")
        // Same secret, claimed role or team changed: the hash no longer matches.
        let secret = String(key.text.suffix(40))
        #expect(try await auth.authenticate("codeb_acme_owner_" + secret) == nil)
        #expect(try await auth.authenticate("codeb_other_member_" + secret) == nil)
        #expect(try await auth.authenticate(APIKey.generate(team: key.team, role: .member).text) == nil)
        #expect(try (keys as FileKeyStore).revoke(id: record.id, at: Date()) != nil)
        #expect(try await auth.authenticate(key.text) == nil)
    }

    @Test func constantTimeComparisonCompares() {
        #expect(constantTimeEquals("abc", "abc"))
        #expect(!constantTimeEquals("abc", "abd"))
        #expect(!constantTimeEquals("abc", "abcd"))
    }

    @Test func theAuditLogAppendsAndFiltersByTeam() async throws {
        let keys: any KeyStore = try Self.store()
        for (index, team) in ["acme", "other", "acme"].enumerated() {
            try await keys.audit(AuditEntry(time: Date(), keyID: "k\(index)", team: team, action: "apply", target: "shop/production", result: "ok"))
        }
        let acme = try await keys.auditLog(team: "acme", limit: 10)
        #expect(acme.map(\.keyID) == ["k0", "k2"])
        #expect(try await keys.auditLog(team: nil, limit: 2).map(\.keyID) == ["k1", "k2"])
    }
}
