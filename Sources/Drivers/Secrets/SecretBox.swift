import Crypto
import Foundation
import State

/// Seals secret values (AES-256-GCM, swift-crypto) with the controller's key file, so a value
/// is never stored in clear. Each sealed value names the key that sealed it: the key file
/// holds the current key first and older ones after it, so after a rotation every value stays
/// readable until it is sealed again with the new key.
///
/// A value is bound to where it belongs (`context`, e.g. `acme/shop/production/DATABASE_URL`)
/// as additional authenticated data: a ciphertext copied to another team's or another name's
/// row does not open.
public struct SecretBox: Sendable {
    /// One sealed value as stored: the key's id and nonce ‖ ciphertext ‖ tag.
    public typealias Sealed = SealedValue

    /// A key file or a sealed value that cannot be used; says what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The keys by id, and which one seals.
    let keys: [String: SymmetricKey]
    public let currentKeyID: String

    init(keys: [(id: String, key: SymmetricKey)]) {
        self.keys = Dictionary(keys.map { ($0.id, $0.key) }, uniquingKeysWith: { first, _ in first })
        self.currentKeyID = keys[0].id
    }

    /// The id a key is known by: the first 12 hex digits of its SHA-256 (never the key).
    static func id(of key: SymmetricKey) -> String {
        key.withUnsafeBytes { SHA256.hash(data: Data($0)) }.map { String(format: "%02x", $0) }.joined().prefix(12).description
    }

    public func seal(_ value: String, context: String) throws -> Sealed {
        guard let key = keys[currentKeyID] else { throw Failure(description: "no current key") }
        let box = try AES.GCM.seal(Data(value.utf8), using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw Failure(description: "AES-GCM gave no combined box") }
        return Sealed(keyID: currentKeyID, box: combined)
    }

    public func open(_ sealed: Sealed, context: String) throws -> String {
        guard let key = keys[sealed.keyID] else {
            throw Failure(description: "the value was sealed with key \(sealed.keyID), which the key file no longer holds; restore that key (or set the value again)")
        }
        do {
            let data = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed.box), using: key, authenticating: Data(context.utf8))
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw Failure(description: "a sealed value for \(context) does not open with key \(sealed.keyID) (altered, or moved from elsewhere)")
        }
    }

    /// Whether `sealed` should be sealed again (after `rotated`, with the new key).
    public func isCurrent(_ sealed: Sealed) -> Bool { sealed.keyID == currentKeyID }
}

extension SecretBox {
    /// Reads the key file (`id:base64` per line, the current key first), creating it with a
    /// fresh key (mode 0600) when `create` and it does not exist. A key file that others than
    /// its owner may read is refused.
    public static func load(keyFile path: String, create: Bool = false) throws -> SecretBox {
        let files = FileManager.default
        if !files.fileExists(atPath: path) {
            guard create else {
                throw Failure(description: "no secret key file at \(path); the install creates it (or start the controller once with write access to its directory)")
            }
            try write([SymmetricKey(size: .bits256)], to: path)
        }
        let attributes = try files.attributesOfItem(atPath: path)
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value, mode & 0o077 != 0 {
            throw Failure(description: "the secret key file \(path) may be read by others (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
        }
        guard let text = files.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw Failure(description: "cannot read the secret key file \(path)")
        }
        var keys: [(id: String, key: SymmetricKey)] = []
        for (number, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let bytes = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)), bytes.count == 32 else {
                throw Failure(description: "\(path):\(number + 1) is not `id:base64-of-32-bytes`")
            }
            let key = SymmetricKey(data: bytes)
            guard id(of: key) == parts[0] else { throw Failure(description: "\(path):\(number + 1): the id does not match its key") }
            keys.append((String(parts[0]), key))
        }
        guard !keys.isEmpty else { throw Failure(description: "the secret key file \(path) holds no key") }
        return SecretBox(keys: keys)
    }

    /// Puts a fresh key first in the key file (the old ones stay, to open what they sealed) and
    /// returns the box that seals with it.
    public static func rotate(keyFile path: String) throws -> SecretBox {
        try promote(keyFile: path, id: try stage(keyFile: path))
        return try load(keyFile: path)
    }

    /// Adds a fresh key at the end of the key file, not current: held (so this host can open
    /// what it will seal) but not sealing yet. Returns its id.
    public static func stage(keyFile path: String) throws -> String {
        let old = try load(keyFile: path)
        let ordered = [old.currentKeyID] + old.keys.keys.filter { $0 != old.currentKeyID }.sorted()
        let fresh = SymmetricKey(size: .bits256)
        try write(ordered.compactMap { old.keys[$0] } + [fresh], to: path)
        return id(of: fresh)
    }

    /// Makes the held key `id` the current one (first in the file); the others stay.
    public static func promote(keyFile path: String, id: String) throws {
        let old = try load(keyFile: path)
        guard old.keys[id] != nil else { throw Failure(description: "the key file \(path) does not hold key \(id)") }
        guard old.currentKeyID != id else { return }
        let ordered = [id] + old.keys.keys.filter { $0 != id }.sorted()
        try write(ordered.compactMap { old.keys[$0] }, to: path)
    }

    /// The ids of the keys held.
    public var heldKeyIDs: [String] { keys.keys.sorted() }

    /// Whether the key `id` is held.
    public func holds(_ id: String) -> Bool { keys[id] != nil }

    /// Drops every key but the current one, once nothing sealed with them is left.
    public static func retireOldKeys(keyFile path: String) throws {
        let box = try load(keyFile: path)
        guard let current = box.keys[box.currentKeyID] else { return }
        try write([current], to: path)
    }

    private static func write(_ keys: [SymmetricKey], to path: String) throws {
        let text = keys.map { key in id(of: key) + ":" + key.withUnsafeBytes { Data($0).base64EncodedString() } }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: path, permissions: 0o600)
    }
}
