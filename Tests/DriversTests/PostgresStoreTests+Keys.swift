import Controller
import Drivers
import Foundation
import Spec
import Testing
import TestSupport

extension PostgresStoreTests {
    /// A key is found by its hash (one indexed row) and then served from the cache — until a
    /// revocation on another controller is announced, which stops it there at once.
    @Test func aKeyRevokedOnOneControllerIsRefusedByAnotherAtOnce() async throws {
        try await Self.withTwoControllers { database, writer, reader in
            let issuing = Authenticator(keys: PostgresKeyStore(database: writer.database))
            let checking = Authenticator(keys: PostgresKeyStore(database: reader.database))
            let (key, record) = try await issuing.createKey(team: try ResourceName(parsing: "acme"), role: .member, name: "ci", createdBy: "test")
            #expect(try await checking.authenticate(key.text)?.keyID == record.id)
            // Cached now: a row changed behind the stores' backs (no announcement) is not seen...
            try await database.execute("UPDATE api_keys SET role = 'viewer'")
            #expect(try await checking.authenticate(key.text)?.role == .member)
            try await database.execute("UPDATE api_keys SET role = 'member'")
            // ...while a revocation through a store is, on every controller, at once.
            #expect(try await PostgresKeyStore(database: writer.database).revoke(id: record.id, at: Date()) != nil)
            _ = try await eventually("the revocation to reach the other controller", within: .seconds(5)) {
                try await checking.authenticate(key.text) == nil ? true : nil
            }
            #expect(try await issuing.authenticate(key.text) == nil, "refused at once where it was revoked")
            // A malformed or unknown key finds nothing and is not kept.
            #expect(try await checking.authenticate("codeb_acme_member_" + String(repeating: "x", count: 43)) == nil)
        }
    }
}
