import Foundation
import Testing

@Suite struct KeysCommandTests {
    @Test func keysCreatePrintsAKeyOnceAndStoresOnlyItsHash() async throws {
        let directory = NSTemporaryDirectory() + "codeb-cli-keys-" + UUID().uuidString.prefix(8)
        let result = try await CLI.run(["keys", "create", "--team", "acme", "--role", "owner", "--state-dir", directory])
        #expect(result.status == 0, "\(result.stderr)")
        let key = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("codeb_acme_owner_"))
        let stored = try String(contentsOfFile: directory + "/keys.json", encoding: .utf8)
        #expect(!stored.contains(key))
        let audit = try String(contentsOfFile: directory + "/audit.jsonl", encoding: .utf8)
        #expect(audit.contains("keys.create"))
        #expect(!audit.contains(key))
    }

    @Test func aBadTeamIsAUsageError() async throws {
        let result = try await CLI.run(["keys", "create", "--team", "Bad Team", "--state-dir", NSTemporaryDirectory() + "codeb-x"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--team"))
    }
}
