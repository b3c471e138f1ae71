import APIModel
import Drivers
import Foundation
import OpenAPIRuntime
import Spec
import State

/// Secrets: members set and unset, viewers list names and history; nothing answers a value.
/// The audit log names the secrets changed, never their values.
extension ControllerAPI {
    /// `GET /v1/projects/:project/secrets[?environment=E]` (viewer): names, version, who, when.
    public func secretsList(_ input: Operations.SecretsList.Input) async throws -> Operations.SecretsList.Output {
        let principal = try routed().caller()
        let (_, set) = try await readableSecrets(input.path.project, principal)
        let scopes = try Self.scopes(input.query.environment)
        let entries = scopes.map { set.listed(scope: $0) } ?? Self.allScopes(set).flatMap { set.listed(scope: $0) }
        return .ok(.init(body: .json(entries.map { SecretView($0) })))
    }

    /// `GET /v1/projects/:project/secrets/history[?environment=E]` (viewer): every version, newest first.
    public func secretsHistory(_ input: Operations.SecretsHistory.Input) async throws -> Operations.SecretsHistory.Output {
        let principal = try routed().caller()
        let (_, set) = try await readableSecrets(input.path.project, principal)
        let scope = try Self.scopes(input.query.environment)
        var versions: [SecretVersionView] = []
        for version in Set(set.entries.map(\.version)).sorted(by: >) {
            let entries = set.entries.filter { $0.version == version && (scope == nil || $0.scope == scope!) }
            guard let first = entries.first else { continue }
            versions.append(SecretVersionView(
                version: version, environment: first.scope?.value, set: entries.filter { $0.sealed != nil }.map(\.name.value).sorted(),
                unset: entries.filter { $0.sealed == nil }.map(\.name.value).sorted(), author: first.author, at: first.at
            ))
        }
        return .ok(.init(body: .json(versions)))
    }

    /// `PUT /v1/projects/:project/secrets {"environment"?, "values": {NAME: VALUE}}` (member):
    /// one new version, then a rollout of every environment whose values changed.
    public func secretsSet(_ input: Operations.SecretsSet.Input) async throws -> Operations.SecretsSet.Output {
        let context = try routed()
        let project = input.path.project
        let target = String(project.prefix(64))
        // The contract's server read the body (an unreadable one is audited by ContractMiddleware).
        let request = switch input.body { case .json(let body): body }
        let names = request.values.keys.sorted()
        return try await audited(target: target, context, detail: names.joined(separator: ",")) {
            let principal = try context.caller()
            let vault = try requireVault()
            let owner = try await writableOwner(project, principal)
            let scope = try request.environment.map(Self.environmentName)
            var values: [EnvVarName: String] = [:]
            for (name, value) in request.values {
                values[try Self.secretName(name)] = value
            }
            guard !values.isEmpty else { throw APIError(.badRequest, code: "bad_request", "name at least one secret: {\"values\": {\"NAME\": \"value\"}}") }
            guard values.count <= 100, values.values.allSatisfy({ $0.utf8.count <= 64 * 1024 }) else {
                throw APIError(.badRequest, code: "bad_request", "at most 100 secrets at once, each at most 64 KiB")
            }
            if let bad = values.first(where: { $0.value.contains("\u{0}") }) {
                throw APIError(.badRequest, code: "bad_request", "the value of \(bad.key) contains a NUL byte, which a process environment cannot carry")
            }
            let version = try await vault.set(owner, scope: scope, values: values, author: principal.author)
            let rollouts = try await operations.rollOutSecrets(owner, author: principal.author)
            return .accepted(.init(body: .json(SecretsChangeResult(
                project: owner.project.value, version: version, names: names,
                rollouts: rollouts.map { .init(environment: $0.environment.value, revision: $0.revision) }
            ))))
        }
    }

    /// `POST /v1/projects/:project/secrets/unset {"environment"?, "names": [...]}` (member).
    /// Refused while an environment still names one that would be left without a value.
    public func secretsUnset(_ input: Operations.SecretsUnset.Input) async throws -> Operations.SecretsUnset.Output {
        let context = try routed()
        let project = input.path.project
        let target = String(project.prefix(64))
        let request = switch input.body { case .json(let body): body }
        return try await audited(target: target, context, detail: request.names.sorted().joined(separator: ",")) {
            let principal = try context.caller()
            let vault = try requireVault()
            let owner = try await writableOwner(project, principal)
            let scope = try request.environment.map(Self.environmentName)
            let names = try Set(request.names.map(Self.secretName)).sorted()
            guard !names.isEmpty else { throw APIError(.badRequest, code: "bad_request", "name at least one secret: {\"names\": [\"NAME\"]}") }
            let needing = try await operations.environmentsNeeding(names, of: owner, unsetFrom: scope)
            guard needing.isEmpty else {
                throw APIError(.conflict, code: "secret_in_use", "\(needing.map(\.value).joined(separator: ", ")) still name\(needing.count == 1 ? "s" : "") \(names.map(\.value).joined(separator: ", ")) in `secrets:`; remove \(names.count == 1 ? "it" : "them") from codeb.yaml and apply first")
            }
            let version = try await vault.unset(owner, scope: scope, names: names, author: principal.author)
            let rollouts = try await operations.rollOutSecrets(owner, author: principal.author)
            return .accepted(.init(body: .json(SecretsChangeResult(
                project: owner.project.value, version: version, names: names.map(\.value),
                rollouts: rollouts.map { .init(environment: $0.environment.value, revision: $0.revision) }
            ))))
        }
    }

    /// `POST /v1/secrets/rotate-key` (owner): a fresh key, every value sealed again with it.
    public func rotateSecretKey(_ input: Operations.RotateSecretKey.Input) async throws -> Operations.RotateSecretKey.Output {
        try await audited(target: "-", try routed()) {
            let vault = try requireVault()
            switch try await vault.rotateKey() {
            case .rotated(let key, let count):
                return .ok(.init(body: .json(RotateKeyResult(keyID: key, resealed: count))))
            case .pending(let key, let lacking):
                return .accepted(.init(body: .json(RotateKeyResult(keyID: key, resealed: 0, lacking: lacking))))
            }
        }
    }

    // MARK: Helpers

    func requireVault() throws -> SecretVault {
        guard let vault else {
            throw APIError(.serviceUnavailable, code: "no_secret_key", "this controller has no secret key; start it with --secret-key-file (default /etc/codeb/secret.key)")
        }
        return vault
    }

    /// The caller's team's secrets of the project named in the path. A project another team
    /// holds, or one with neither environments nor secrets of the caller's team, is not found.
    private func readableSecrets(_ text: String, _ principal: Principal) async throws -> (SecretOwner, SecretSet) {
        let vault = try requireVault()
        guard let project = try? ResourceName(parsing: text) else {
            throw APIError.notFound("that project")
        }
        let owner = SecretOwner(team: principal.team, project: project)
        let holder = try await projectTeam(project)
        let set = try await vault.store.secrets(owner)
        guard holder == principal.team || (holder == nil && set.version > 0) else { throw APIError.notFound("project \(project)") }
        return (owner, set)
    }

    /// The project named in the path, for a change: refused when another team holds it.
    private func writableOwner(_ text: String, _ principal: Principal) async throws -> SecretOwner {
        guard let project = try? ResourceName(parsing: text) else {
            throw APIError.notFound("that project")
        }
        if let holder = try await projectTeam(project), holder != principal.team {
            throw APIError(.conflict, code: "conflict", "the project name \(project) is taken")
        }
        return SecretOwner(team: principal.team, project: project)
    }

    /// The team whose environments the project has, if any.
    private func projectTeam(_ project: ResourceName) async throws -> ResourceName? {
        for key in try await store.keys() where key.project == project {
            if let state = try await store.load(key) { return state.team }
        }
        return nil
    }

    static func scopes(_ text: String?) throws -> EnvironmentName?? {
        guard let text else { return .none }
        return .some(try environmentName(text))
    }

    static func allScopes(_ set: SecretSet) -> [EnvironmentName?] {
        var seen: [EnvironmentName?] = [nil]
        for entry in set.entries where !seen.contains(entry.scope) { seen.append(entry.scope) }
        return seen
    }

    static func secretName(_ text: String) throws -> EnvVarName {
        do {
            return try EnvVarName(parsing: text)
        } catch {
            throw APIError(.badRequest, code: "bad_request", "secret \(text.prefix(64)): \(error.message)")
        }
    }
}

extension SecretView {
    init(_ entry: SecretEntry) {
        self.init(name: entry.name.value, environment: entry.scope?.value, version: entry.version, setBy: entry.author, setAt: entry.at)
    }
}
