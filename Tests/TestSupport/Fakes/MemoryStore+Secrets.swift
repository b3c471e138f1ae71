import Spec
import State

/// Secrets and registry logins kept in memory, for tests of the operations above the store.
extension MemoryStore: SecretStore {
    public func secrets(_ owner: SecretOwner) -> SecretSet { secretSets[owner] ?? SecretSet() }

    public func updateSecrets<T: Sendable>(_ owner: SecretOwner, _ body: @escaping @Sendable (inout SecretSet) throws -> T) throws -> T {
        var set = secrets(owner)
        let result = try body(&set)
        secretSets[owner] = set
        return result
    }

    public func registries(_ team: ResourceName) -> RegistrySet { registrySets[team] ?? RegistrySet() }

    public func updateRegistries<T: Sendable>(_ team: ResourceName, _ body: @escaping @Sendable (inout RegistrySet) throws -> T) throws -> T {
        var set = registries(team)
        let result = try body(&set)
        registrySets[team] = set
        return result
    }

    public func secretOwners() -> [SecretOwner] { secretSets.keys.sorted { $0.description < $1.description } }
    public func registryTeams() -> [ResourceName] { registrySets.keys.sorted() }

    public func keyring() -> Keyring { keyringDocument }

    public func updateKeyring<T: Sendable>(_ body: @escaping @Sendable (inout Keyring) throws -> T) throws -> T {
        var document = keyringDocument
        let result = try body(&document)
        keyringDocument = document
        return result
    }

    public func forgetTeam(_ team: ResourceName) {
        for owner in secretSets.keys where owner.team == team { secretSets[owner] = nil }
        registrySets[team] = nil
    }
}
