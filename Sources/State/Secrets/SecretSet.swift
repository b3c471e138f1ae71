import Foundation
import Spec

/// Every value ever set for one project's secrets, sealed, with who set it and when.
///
/// Each `set` or `unset` makes a new version (1, 2, 3… per project); an entry is never changed
/// afterwards except to be sealed again under a new key. A revision pins, per name, the version
/// whose value it runs with (`SecretsBinding`), so a rollback finds the value it ran with.
public struct SecretSet: Sendable, Hashable, Codable {
    /// The latest version; 0 before anything was set.
    public var version: Int
    /// Oldest first.
    public var entries: [SecretEntry]

    public init(version: Int = 0, entries: [SecretEntry] = []) {
        self.version = version
        self.entries = entries
    }

    /// The latest entry for `name` in `scope` (nil: the whole project), set or unset.
    public func latest(_ name: EnvVarName, scope: EnvironmentName?) -> SecretEntry? {
        entries.last { $0.name == name && $0.scope == scope }
    }

    /// The entry whose value a binding pinned.
    public func entry(_ name: EnvVarName, version: Int) -> SecretEntry? {
        entries.first { $0.name == name && $0.version == version && $0.sealed != nil }
    }

    /// The scopes `environment` reads a secret from, most specific first: itself, `preview` for
    /// a preview instance, then the whole project.
    public static func scopes(for environment: EnvironmentName) -> [EnvironmentName?] {
        var scopes: [EnvironmentName?] = [environment]
        if environment.isPreviewInstance { scopes.append(.preview) }
        scopes.append(nil)
        return scopes
    }

    /// The entry `environment` reads `name` from now: the most specific scope with a value.
    /// An unset in a scope removes that scope's value; a wider scope's value then shows through.
    public func current(_ name: EnvVarName, for environment: EnvironmentName) -> SecretEntry? {
        for scope in Self.scopes(for: environment) {
            if let entry = latest(name, scope: scope), entry.sealed != nil { return entry }
        }
        return nil
    }

    /// Pins each of `names` to the value `environment` reads now; the names with no value are
    /// returned as missing (sorted).
    public func bind(_ names: [EnvVarName], for environment: EnvironmentName) -> (binding: SecretsBinding, missing: [EnvVarName]) {
        var pins: [EnvVarName: Int] = [:]
        var missing: [EnvVarName] = []
        for name in names {
            if let entry = current(name, for: environment) { pins[name] = entry.version } else { missing.append(name) }
        }
        return (SecretsBinding(pins: pins), missing.sorted())
    }

    /// The names set in `scope` now (their latest entry has a value), sorted by name.
    public func listed(scope: EnvironmentName?) -> [SecretEntry] {
        var latest: [EnvVarName: SecretEntry] = [:]
        for entry in entries where entry.scope == scope { latest[entry.name] = entry }
        return latest.values.filter { $0.sealed != nil }.sorted { $0.name < $1.name }
    }
}

/// One name set (or unset) in one version.
public struct SecretEntry: Sendable, Hashable, Codable {
    public var version: Int
    public var name: EnvVarName
    /// The environment (`production`, `preview` for every preview instance, `preview-42`) the
    /// value is for; nil for the whole project.
    public var scope: EnvironmentName?
    /// Nil for an unset.
    public var sealed: SealedValue?
    /// The API key's name that set it.
    public var author: String
    public var at: Date

    public init(version: Int, name: EnvVarName, scope: EnvironmentName?, sealed: SealedValue?, author: String, at: Date) {
        self.version = version
        self.name = name
        self.scope = scope
        self.sealed = sealed
        self.author = author
        self.at = at
    }

    /// What the value is bound to when sealed (authenticated data): a sealed value moved to
    /// another team, project, scope, name or version does not open.
    public static func context(_ owner: SecretOwner, scope: EnvironmentName?, name: EnvVarName, version: Int) -> String {
        "secret/\(owner.team)/\(owner.project)/\(scope?.value ?? "*")/\(name)@\(version)"
    }
}
