import Drivers
import Foundation
import Spec
import Synchronization

/// Secrets and registry logins as the controller uses them: sealed with the controller's key
/// (`SecretBox`) on the way into the `SecretStore`, opened only to hand a value to the engine
/// (a container's environment, a pull's `X-Registry-Auth`). Nothing here returns a value to a
/// caller of the API.
public struct SecretVault: Sendable {
    public let store: any SecretStore
    /// Where the key lives; `rotateKey` rewrites it.
    public let keyFile: String
    let keys: KeyRing
    let time: any TimeSource

    /// The current box, replaced by a rotation. A class so every copy of the vault sees the
    /// new key; the Mutex makes it Sendable.
    final class KeyRing: Sendable {
        let box: Mutex<SecretBox>
        init(_ box: SecretBox) { self.box = Mutex(box) }
        var current: SecretBox { box.withLock { $0 } }
    }

    public init(store: any SecretStore, keyFile: String, box: SecretBox, time: any TimeSource = SystemTime()) {
        self.store = store
        self.keyFile = keyFile
        self.keys = KeyRing(box)
        self.time = time
    }

    /// Opens the key file, creating it (and its directory, mode 0700) with a fresh key when it
    /// does not exist yet.
    public static func open(store: any SecretStore, keyFile: String, time: any TimeSource = SystemTime()) throws -> SecretVault {
        let folder = (keyFile as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return SecretVault(store: store, keyFile: keyFile, box: try SecretBox.load(keyFile: keyFile, create: true), time: time)
    }

    /// The id of the key new values are sealed with.
    public var currentKeyID: String { keys.current.currentKeyID }

    // MARK: Secrets

    /// Sets `values` in `scope` (nil: every environment of the project) as one new version.
    @discardableResult
    public func set(_ owner: SecretOwner, scope: EnvironmentName?, values: [EnvVarName: String], author: String) async throws -> Int {
        let box = keys.current
        let now = Self.stamp(time.now())
        return try await store.updateSecrets(owner) { set in
            let version = set.version + 1
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                let sealed = try box.seal(value, context: SecretEntry.context(owner, scope: scope, name: name, version: version))
                set.entries.append(SecretEntry(version: version, name: name, scope: scope, sealed: sealed, author: author, at: now))
            }
            set.version = version
            return version
        }
    }

    /// Removes `names` from `scope` as one new version; a name not set there is refused.
    @discardableResult
    public func unset(_ owner: SecretOwner, scope: EnvironmentName?, names: [EnvVarName], author: String) async throws -> Int {
        let now = Self.stamp(time.now())
        return try await store.updateSecrets(owner) { set in
            let absent = names.filter { set.latest($0, scope: scope)?.sealed == nil }
            guard absent.isEmpty else {
                let place = scope.map { "environment \($0) of \(owner.project)" } ?? "project \(owner.project)"
                throw StoreError(.notFound, "\(absent.map(\.value).joined(separator: ", ")) \(absent.count == 1 ? "is" : "are") not set for \(place); `codeb secrets list` shows what is")
            }
            let version = set.version + 1
            for name in names.sorted() {
                set.entries.append(SecretEntry(version: version, name: name, scope: scope, sealed: nil, author: author, at: now))
            }
            set.version = version
            return version
        }
    }

    /// Pins `names` to the values `environment` reads now; names without a value are refused
    /// with the command that sets them.
    public func bind(_ owner: SecretOwner, names: [EnvVarName], environment: EnvironmentName) async throws -> SecretsBinding? {
        guard !names.isEmpty else { return nil }
        let (binding, missing) = try await store.secrets(owner).bind(names, for: environment)
        guard missing.isEmpty else { throw MissingSecrets(owner: owner, environment: environment, names: missing) }
        return binding
    }

    /// The values a container runs with, by name, opened from the versions `binding` pins.
    func values(_ owner: SecretOwner, binding: SecretsBinding) async throws -> [String: String] {
        guard !binding.pins.isEmpty else { return [:] }
        let set = try await store.secrets(owner)
        let box = keys.current
        var values: [String: String] = [:]
        for (name, version) in binding.pins {
            guard let entry = set.entry(name, version: version), let sealed = entry.sealed else {
                throw StoreError(.notFound, "the value of secret \(name) set in version \(version) of \(owner.project) is gone; set it again with `codeb secrets set \(owner.project) \(name)=…`")
            }
            values[name.value] = try box.open(sealed, context: SecretEntry.context(owner, scope: entry.scope, name: name, version: version))
        }
        return values
    }

    // MARK: Registries

    /// Stores (or replaces) the team's login to `host`.
    public func login(team: ResourceName, host: RegistryHost, username: String, password: String, author: String) async throws {
        let box = keys.current
        let now = Self.stamp(time.now())
        try await store.updateRegistries(team) { set in
            let sealed = try box.seal(password, context: RegistryCredential.context(team: team, host: host, username: username))
            set.credentials.removeAll { $0.host == host }
            set.credentials.append(RegistryCredential(host: host, username: username, sealedPassword: sealed, author: author, at: now))
            set.credentials.sort { $0.host < $1.host }
        }
    }

    /// Forgets the team's login to `host`; false when there was none.
    public func logout(team: ResourceName, host: RegistryHost) async throws -> Bool {
        try await store.updateRegistries(team) { set in
            let before = set.credentials.count
            set.credentials.removeAll { $0.host == host }
            return set.credentials.count != before
        }
    }

    /// The team's login to `host`, opened for a pull; nil when it has none.
    func login(team: ResourceName, host: RegistryHost) async throws -> RegistryAuth? {
        guard let credential = try await store.registries(team).credential(for: host) else { return nil }
        let password = try keys.current.open(credential.sealedPassword, context: RegistryCredential.context(team: team, host: host, username: credential.username))
        return RegistryAuth(username: credential.username, password: password, server: host.value)
    }

    // MARK: Keys

    /// Puts a fresh key first in the key file and seals every secret and registry login again
    /// with it; the old keys are then dropped. Returns how many values were sealed again.
    public func rotateKey() async throws -> Int {
        let box = try SecretBox.rotate(keyFile: keyFile)
        keys.box.withLock { $0 = box }
        var count = 0
        for owner in try await store.secretOwners() {
            count += try await store.updateSecrets(owner) { set in
                var resealed = 0
                for index in set.entries.indices {
                    guard let sealed = set.entries[index].sealed, !box.isCurrent(sealed) else { continue }
                    let entry = set.entries[index]
                    let context = SecretEntry.context(owner, scope: entry.scope, name: entry.name, version: entry.version)
                    set.entries[index].sealed = try box.seal(try box.open(sealed, context: context), context: context)
                    resealed += 1
                }
                return resealed
            }
        }
        for team in try await store.registryTeams() {
            count += try await store.updateRegistries(team) { set in
                var resealed = 0
                for index in set.credentials.indices where !box.isCurrent(set.credentials[index].sealedPassword) {
                    let credential = set.credentials[index]
                    let context = RegistryCredential.context(team: team, host: credential.host, username: credential.username)
                    set.credentials[index].sealedPassword = try box.seal(try box.open(credential.sealedPassword, context: context), context: context)
                    resealed += 1
                }
                return resealed
            }
        }
        try SecretBox.retireOldKeys(keyFile: keyFile)
        let retired = try SecretBox.load(keyFile: keyFile)
        keys.box.withLock { $0 = retired }
        return count
    }

    /// Whole milliseconds, so a time reads back from PostgreSQL as it was written.
    static func stamp(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// An apply names secrets that have no value: refused (422) naming them and how to set them.
public struct MissingSecrets: Error, Sendable, CustomStringConvertible {
    public var owner: SecretOwner
    public var environment: EnvironmentName
    public var names: [EnvVarName]

    public var description: String {
        let list = names.map(\.value).joined(separator: ", ")
        let example = names.map { "\($0)=…" }.joined(separator: " ")
        return "\(environment) names secret\(names.count == 1 ? "" : "s") with no value: \(list); set \(names.count == 1 ? "it" : "them") with `codeb secrets set \(owner.project) --env \(environment) \(example)` (or without --env for every environment)"
    }
}
