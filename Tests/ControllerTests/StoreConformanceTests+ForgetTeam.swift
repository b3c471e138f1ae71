@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing

extension StoreConformanceTests {
    /// A deleted team's secrets (every project of it) and registry logins are gone from the
    /// store, and another team's stay.
    @Test(arguments: StoreKind.allCases)
    func forgettingATeamDeletesItsSecretsAndLoginsOnly(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try #require(try await harness.open() as? any SecretStore)
            let vault = try SecretVault.open(store: store, keyFile: harness.directory + "-key/secret.key")
            defer { try? FileManager.default.removeItem(atPath: harness.directory + "-key") }
            let ops = try ResourceName(parsing: "ops"), acme = try ResourceName(parsing: "acme")
            let name = try EnvVarName(parsing: "TOKEN"), host = try RegistryHost(parsing: "registry.test")
            for team in [ops, acme] {
                for project in ["one", "two"] {
                    _ = try await vault.set(SecretOwner(team: team, project: try ResourceName(parsing: project)), scope: nil, values: [name: "v"], author: "t")
                }
                try await vault.login(team: team, host: host, username: "ci", password: "pw", author: "t")
            }
            try await store.forgetTeam(ops)
            let reopened = store
            #expect(try await reopened.secretOwners().map(\.team) == [acme, acme])
            #expect(try await reopened.registryTeams() == [acme])
            #expect(try await reopened.secrets(SecretOwner(team: ops, project: try ResourceName(parsing: "one"))).entries.isEmpty)
            #expect(try await reopened.registries(ops).credentials.isEmpty)
            #expect(try await reopened.secrets(SecretOwner(team: acme, project: try ResourceName(parsing: "two"))).entries.count == 1)
            try await store.forgetTeam(ops)  // again: nothing to delete is not an error
        }
    }
}
