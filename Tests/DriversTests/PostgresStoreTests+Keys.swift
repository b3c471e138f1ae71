import Controller
import Drivers
import Foundation
import Spec
import State
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

    /// The audit log in PostgreSQL pages by time and keeps `retention.maxAge` of it.
    @Test func theAuditLogPagesByTimeAndForgetsWhatIsPastItsRetention() async throws {
        try await Self.withTwoControllers { _, writer, _ in
            let keys = PostgresKeyStore(database: writer.database, retention: AuditRetention(maxAge: 30 * 86_400))
            let now = Date()
            // Written as by an older controller, without pruning: 40 days old.
            let old = PostgresKeyStore(database: writer.database, retention: AuditRetention(maxAge: 100 * 365 * 86_400))
            for index in 0..<5 {
                try await old.audit(AuditEntry(time: now.addingTimeInterval(-40 * 86_400 + Double(index)), keyID: "k", team: "acme", action: "apply", target: "old", result: "ok", detail: "old \(index)"))
            }
            for index in 0..<30 {
                try await keys.audit(AuditEntry(time: now.addingTimeInterval(Double(index)), keyID: "k", team: index % 3 == 0 ? "other" : "acme", action: "apply", target: "new", result: "ok", detail: "new \(index)"))
            }
            let all = try await keys.auditLog(team: nil, limit: 1000)
            #expect(all.count == 30 && all.allSatisfy { $0.target == "new" }, "the 40-day-old rows are gone: \(all.map(\.detail))")
            let newest = try await keys.auditLog(team: "acme", limit: 5)
            #expect(newest.map(\.detail) == ["new 23", "new 25", "new 26", "new 28", "new 29"])
            let page = try await keys.auditLog(team: "acme", limit: 3, before: newest.first?.time)
            #expect(page.map(\.detail) == ["new 19", "new 20", "new 22"])
        }
    }

    /// A team's domain suffixes are kept in PostgreSQL as in the file store: set at creation,
    /// changed, cleared (any domain), and unknown teams are said so.
    @Test func aTeamsDomainSuffixesAreKept() async throws {
        try await Self.withTwoControllers { _, writer, reader in
            let keys = PostgresKeyStore(database: writer.database), other = PostgresKeyStore(database: reader.database)
            let acme = try ResourceName(parsing: "acme")
            try await keys.addTeam(TeamRecord(name: acme, createdAt: Date(), createdBy: "t", domains: [try Hostname(parsing: "acme.test")]))
            #expect(try await other.teams().first { $0.name == acme }?.domains?.map(\.value) == ["acme.test"])
            #expect(try await keys.setTeamDomains(acme, [try Hostname(parsing: "acme.dev"), try Hostname(parsing: "acme.io")]))
            #expect(try await other.teams().first { $0.name == acme }?.domains?.map(\.value) == ["acme.dev", "acme.io"])
            #expect(try await keys.setTeamDomains(acme, []))
            #expect(try await other.teams().first { $0.name == acme }?.domains == [], "an empty list allows no domain")
            #expect(try await keys.setTeamDomains(acme, nil))
            #expect(try await other.teams().first { $0.name == acme }?.domains == nil)
            #expect(try await keys.setTeamDomains(try ResourceName(parsing: "nobody"), nil) == false)
        }
    }
}
