import Drivers
import Foundation
import Spec
import State

extension StateOperations {
    /// Pins the secrets `wanted` names to the values its environment reads now; nil when it
    /// names none. Refused naming the missing ones, or when the controller has no key.
    func bindSecrets(_ wanted: EnvironmentSpec, team: ResourceName, key: EnvironmentKey) async throws -> SecretsBinding? {
        guard !wanted.template.secrets.isEmpty else { return nil }
        guard let vault else {
            throw StoreError(.invalid, "\(key) names secrets, and this controller has no secret key (start it with --secret-key-file)")
        }
        let owner = SecretOwner(team: team, project: key.project)
        try await generateServiceSecrets(wanted, owner: owner, vault: vault, environment: key.environment)
        return try await vault.bind(owner, names: wanted.template.secrets, environment: key.environment)
    }

    /// Makes a value for each generated secret of `wanted`'s services that its environment has
    /// none for yet (`DB_POSTGRES_PASSWORD`): 32 random bytes, hex, sealed in the vault for this
    /// environment only, never shown. One already set (generated before, or set by a person)
    /// is kept: the service was initialised with it.
    func generateServiceSecrets(_ wanted: EnvironmentSpec, owner: SecretOwner, vault: SecretVault, environment: EnvironmentName) async throws {
        let names = wanted.services.flatMap(\.appSecretNames)
        guard !names.isEmpty else { return }
        let missing = try await vault.store.secrets(owner).bind(names, for: environment).missing
        guard !missing.isEmpty else { return }
        var generator = SystemRandomNumberGenerator()
        let values = Dictionary(uniqueKeysWithValues: missing.map { name in
            (name, (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined())
        })
        _ = try await vault.set(owner, scope: environment, values: values, author: "codeb (generated for a service)")
    }

    /// After a change of `owner`'s secrets: every environment of the project whose pinned
    /// values changed gets a new revision (source `secrets`), rolled out like an apply. Returns
    /// them, by environment. An environment that would be left without a value is skipped
    /// (the change that unset it is refused before it gets here).
    public func rollOutSecrets(_ owner: SecretOwner, author: String) async throws -> [(environment: EnvironmentName, revision: Int)] {
        guard let vault else { return [] }
        let set = try await vault.store.secrets(owner)
        let now = time.now()
        var started: [(EnvironmentName, Int)] = []
        for key in try await store.keys() where key.project == owner.project {
            let revision: Int? = try await store.update(key) { state, _ in
                guard var current = state, current.team == owner.team, !current.deleting, let latest = current.desired else { return nil }
                let names = latest.spec.template.secrets
                guard !names.isEmpty else { return nil }
                let (binding, missing) = set.bind(names, for: key.environment)
                guard missing.isEmpty, binding != latest.spec.template.secretsBinding else { return nil }
                var spec = latest.spec
                spec.template.secretsBinding = binding
                let revision = Revision(number: current.generation + 1, spec: spec, source: .secrets, author: author, createdAt: now)
                current.revisions.append(revision)
                state = current
                return revision.number
            }
            if let revision { started.append((key.environment, revision)) }
        }
        return started
    }

    /// The environments of `owner`'s project that would have no value for one of `names` if
    /// they were unset from `scope`: an unset is refused while an environment still names it.
    public func environmentsNeeding(_ names: [EnvVarName], of owner: SecretOwner, unsetFrom scope: EnvironmentName?) async throws -> [EnvironmentName] {
        guard let vault else { return [] }
        var set = try await vault.store.secrets(owner)
        for name in names {
            set.entries.append(SecretEntry(version: set.version + 1, name: name, scope: scope, sealed: nil, author: "", at: Date()))
        }
        var needing: [EnvironmentName] = []
        for key in try await store.keys() where key.project == owner.project {
            guard let state = try await store.load(key), state.team == owner.team, !state.deleting,
                  let wanted = state.desired?.spec.template.secrets else { continue }
            let named = wanted.filter(names.contains)
            if !named.isEmpty, !set.bind(named, for: key.environment).missing.isEmpty { needing.append(key.environment) }
        }
        return needing.sorted()
    }
}
