@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing
import TestSupport

/// `codeb doctor` says when teams may claim any domain (no suffixes given): a warning, since it
/// is how codeb behaved before suffixes, and ok once every team has its own.
@Suite struct DoctorTeamsTests {
    @Test func teamsWithoutDomainSuffixesAreAWarningAndReadingCreatesNothing() async throws {
        let directory = NSTemporaryDirectory() + "codeb-doctor-teams-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ControllerDaemon.Configuration()
        configuration.stateDirectory = directory
        #expect(await Doctor(configuration).teamsCheck() == nil)
        #expect(!FileManager.default.fileExists(atPath: directory), "doctor created no state directory")

        let keys = try FileKeyStore(directory: directory)
        try await Authenticator(keys: keys).createKey(team: try ResourceName(parsing: "acme"), role: .admin, name: "a", createdBy: "t")
        try await keys.addTeam(TeamRecord(name: try ResourceName(parsing: "newco"), createdAt: Date(), createdBy: "t", domains: [try Hostname(parsing: "newco.test")]))
        let open = try #require(await Doctor(configuration).teamsCheck())
        #expect(open.status == .warn && open.message.contains("1 of 2 teams may claim any domain") && open.message.contains("acme"), "\(open.line)")
        #expect(open.fix.contains("codeb teams update TEAM --domains"))

        #expect(try await keys.setTeamDomains(try ResourceName(parsing: "acme"), [try Hostname(parsing: "acme.test")]))
        let closed = try #require(await Doctor(configuration).teamsCheck())
        #expect(closed.status == .ok && closed.message.contains("every team (2) has its domain suffixes"), "\(closed.line)")
    }
}

extension DoctorTeamsTests {
    /// On PostgreSQL the doctor reads the teams on one connection of its own (it runs no pool).
    @Test func onPostgreSQLTeamsWithoutSuffixesAreAWarningToo() async throws {
        let database = try await TestDatabase.create()
        let running = try await RunningPostgresStore.start(database.url)
        let keys = PostgresKeyStore(database: running.store.database)
        try await keys.addTeam(TeamRecord(name: try ResourceName(parsing: "acme"), createdAt: Date(), createdBy: "t"))
        try await keys.addTeam(TeamRecord(name: try ResourceName(parsing: "newco"), createdAt: Date(), createdBy: "t", domains: [try Hostname(parsing: "newco.test")]))
        await running.stop()
        var configuration = ControllerDaemon.Configuration()
        configuration.databaseURL = database.connectionString
        let check = await Doctor(configuration).teamsCheck()
        await database.drop()
        #expect(check?.status == .warn && check?.message.contains("1 of 2 teams may claim any domain") == true && check?.message.contains("(acme)") == true, "\(check?.line ?? "no check")")
    }
}

/// `codeb doctor` repeats what a running controller's keyring heartbeat says about the secret keys.
@Suite struct DoctorSecretKeysTests {
    @Test func aNodeLackingAKeyIsAWarningNamingBoth() throws {
        #expect(Doctor.secretKeysCheck(readyz: nil) == nil)
        #expect(Doctor.secretKeysCheck(readyz: ["secret-keys": "ok"])?.status == .ok)
        let lacking = try #require(Doctor.secretKeysCheck(readyz: ["secret-keys": "node b lacks key 3f2a9c1b0abc (a rotation waits for it: …)"]))
        #expect(lacking.status == .warn && lacking.message.contains("node b lacks key 3f2a9c1b0abc") && lacking.fix.contains("key file"))
    }
}
