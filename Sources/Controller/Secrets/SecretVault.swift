import Drivers
import Foundation
import Spec
import State
import Synchronization

/// Secrets and registry logins as the controller uses them: sealed with the controller's key
/// (`SecretBox`) on the way into the `SecretStore`, opened only to hand a value to the engine
/// (a container's environment, a pull's `X-Registry-Auth`). Nothing here returns a value to a
/// caller of the API.
public struct SecretVault: Sendable {
    public let store: any SecretStore
    /// Where the key lives; `rotateKey` rewrites it.
    public let keyFile: String
    /// This controller's name in the keyring (its `--node`).
    public let node: String
    let keys: KeyRing
    let time: any TimeSource

    /// A node that has not reported for this long is not waited for (it is down, or gone).
    public static let liveWindow: TimeInterval = 120

    /// The current box, replaced by a rotation. A class so every copy of the vault sees the
    /// new key; the Mutex makes it Sendable.
    final class KeyRing: Sendable {
        let box: Mutex<SecretBox>
        init(_ box: SecretBox) { self.box = Mutex(box) }
        var current: SecretBox { box.withLock { $0 } }
    }

    public init(store: any SecretStore, keyFile: String, box: SecretBox, node: String = "local", time: any TimeSource = SystemTime()) {
        self.store = store
        self.keyFile = keyFile
        self.node = node
        self.keys = KeyRing(box)
        self.time = time
    }

    /// Opens the key file, creating it (and its directory, mode 0700) with a fresh key when it
    /// does not exist yet.
    public static func open(store: any SecretStore, keyFile: String, node: String = "local", time: any TimeSource = SystemTime()) throws -> SecretVault {
        let folder = (keyFile as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return SecretVault(store: store, keyFile: keyFile, box: try SecretBox.load(keyFile: keyFile, create: true), node: node, time: time)
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

    // MARK: Backups

    /// Seals a backup's data key (base64) under the current key, bound to `context`.
    func sealBackupKey(_ key: Data, context: String) throws -> SealedValue {
        try keys.current.seal(key.base64EncodedString(), context: context)
    }

    /// Opens a backup's data key; a key the key file no longer holds is said plainly.
    func openBackupKey(_ sealed: SealedValue, context: String) throws -> Data {
        guard let key = Data(base64Encoded: try keys.current.open(sealed, context: context)) else {
            throw StoreError(.corrupt, "the backup's data key is damaged")
        }
        return key
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

    /// What a rotation did: done (every value sealed under the new key), or waiting for the
    /// live nodes that do not hold the new key yet (nothing was sealed with it).
    public enum Rotation: Sendable, Hashable {
        case rotated(keyID: String, resealed: Int)
        case pending(keyID: String, lacking: [String])
    }

    /// Rotates the secret key without ever making a value unreadable to a running node. A fresh
    /// key is staged (held, not sealing) and reported; while a live node lacks it (its key file
    /// has to get the key's line: copy it there) the answer is `pending` and nothing changes.
    /// Asked again once every live node holds it, the key becomes the one every node seals with,
    /// every value is sealed again with it, and the old keys go — on each node, once every live
    /// node seals with the new key (`heartbeat`).
    public func rotateKey() async throws -> Rotation {
        let now = time.now()
        var box = try reload()
        let ring = try await store.keyring()
        let key: String
        if let staged = ring.staged, box.holds(staged), staged != box.currentKeyID {
            key = staged
        } else {
            key = try SecretBox.stage(keyFile: keyFile)
            box = try reload()
            try await store.updateKeyring { $0.staged = key }
        }
        let reported = try await report(box, at: now)
        let lacking = reported.lacking(key, at: now, within: Self.liveWindow, besides: node)
        guard lacking.isEmpty else { return .pending(keyID: key, lacking: lacking) }
        try SecretBox.promote(keyFile: keyFile, id: key)
        box = try reload()
        try await store.updateKeyring { ring in
            ring.sealing = key
            ring.staged = nil
        }
        let count = try await reseal(box)
        try await heartbeat()
        return .rotated(keyID: key, resealed: count)
    }

    /// What every controller does now and then: reads its key file again (an operator may have
    /// added a key), seals with the keyring's `sealing` key once it holds it, reports what it
    /// holds, and retires its old keys once every live node seals with that key (after sealing
    /// again anything a node sealed with an old key meanwhile). Returns what is missing where.
    @discardableResult
    public func heartbeat() async throws -> String {
        let now = time.now()
        var box = try reload()
        if let sealing = try await store.keyring().sealing, box.holds(sealing), box.currentKeyID != sealing {
            try SecretBox.promote(keyFile: keyFile, id: sealing)
            box = try reload()
        }
        var ring = try await report(box, at: now)
        let live = ring.live(at: now, within: Self.liveWindow)
        if let sealing = ring.sealing, box.currentKeyID == sealing, box.heldKeyIDs.count > 1, live.allSatisfy({ $0.current == sealing }) {
            _ = try await reseal(box)
            try SecretBox.retireOldKeys(keyFile: keyFile)
            box = try reload()
            ring = try await report(box, at: now)
        }
        return Self.summary(ring, at: now)
    }

    /// `/readyz`'s line: `ok`, or which live node lacks (or does not yet seal with) which key.
    static func summary(_ ring: Keyring, at now: Date) -> String {
        let live = ring.live(at: now, within: liveWindow)
        var problems: [String] = []
        if let staged = ring.staged {
            for report in live where !report.held.contains(staged) {
                problems.append("node \(report.node) lacks key \(staged) (a rotation waits for it: add the key's line to that node's key file)")
            }
        }
        if let sealing = ring.sealing {
            for report in live where !report.held.contains(sealing) {
                problems.append("node \(report.node) lacks key \(sealing), which values are sealed with: it cannot read them")
            }
        }
        return problems.isEmpty ? "ok" : problems.joined(separator: "; ")
    }

    /// Reads the key file again; every copy of the vault uses what it holds now.
    private func reload() throws -> SecretBox {
        let box = try SecretBox.load(keyFile: keyFile)
        keys.box.withLock { $0 = box }
        return box
    }

    private func report(_ box: SecretBox, at now: Date) async throws -> Keyring {
        let report = KeyReport(node: node, held: box.heldKeyIDs, current: box.currentKeyID, at: now)
        return try await store.updateKeyring { ring in
            ring.record(report)
            return ring
        }
    }

    /// Seals again, with `box`'s current key, every secret and registry login sealed otherwise.
    private func reseal(_ box: SecretBox) async throws -> Int {
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
