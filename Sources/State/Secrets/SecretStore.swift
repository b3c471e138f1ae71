import Spec

/// Where secrets and registry logins live, sealed. `FileStore` and `PostgresStore` implement it
/// beside `Store`; neither ever sees a value in clear.
public protocol SecretStore: Sendable {
    /// One project's secrets (empty when none were ever set).
    func secrets(_ owner: SecretOwner) async throws -> SecretSet

    /// Reads, changes and writes one project's secrets atomically; nothing is written when
    /// `body` throws.
    func updateSecrets<T: Sendable>(
        _ owner: SecretOwner, _ body: @escaping @Sendable (inout SecretSet) throws -> T
    ) async throws -> T

    /// One team's registry logins.
    func registries(_ team: ResourceName) async throws -> RegistrySet

    /// Reads, changes and writes one team's registry logins atomically.
    func updateRegistries<T: Sendable>(
        _ team: ResourceName, _ body: @escaping @Sendable (inout RegistrySet) throws -> T
    ) async throws -> T

    /// Every project with secrets and every team with registry logins (for sealing them all
    /// again under a new key).
    func secretOwners() async throws -> [SecretOwner]
    func registryTeams() async throws -> [ResourceName]

    /// Deletes every secret of every project of `team`, and its registry logins: a team deleted
    /// and later created again under the same name starts with none of them.
    func forgetTeam(_ team: ResourceName) async throws

    /// The controllers' shared view of the secret keys (`Keyring`).
    func keyring() async throws -> Keyring

    /// Reads, changes and writes the keyring atomically (every controller heartbeats into it).
    func updateKeyring<T: Sendable>(_ body: @escaping @Sendable (inout Keyring) throws -> T) async throws -> T
}
