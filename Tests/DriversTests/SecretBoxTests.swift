import Drivers
import Foundation
import Testing

/// The sealing of secret values: AES-256-GCM with the key file's current key, bound to where
/// the value belongs, readable across a key rotation, never in clear.
@Suite struct SecretBoxTests {
    static func keyFile() -> String {
        NSTemporaryDirectory() + "codeb-secret-" + UUID().uuidString.prefix(8) + "/secret.key"
    }

    static func withKeyFile(_ body: (String) throws -> Void) throws {
        let path = keyFile()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try body(path)
    }

    @Test func aValueOpensOnlyWhereItWasSealedAndIsNeverStoredInClear() throws {
        try Self.withKeyFile { path in
            let box = try SecretBox.load(keyFile: path, create: true)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
            #expect(mode?.uint16Value == 0o600, "the key file is created 0600")
            let value = "postgres://app:s3cr3t-Ünïcode@db/app"
            let sealed = try box.seal(value, context: "acme/shop/production/DATABASE_URL")
            #expect(try box.open(sealed, context: "acme/shop/production/DATABASE_URL") == value)
            let stored = try JSONEncoder().encode(sealed)
            #expect(stored.range(of: Data("s3cr3t".utf8)) == nil && sealed.box.range(of: Data("s3cr3t".utf8)) == nil)
            // Moved to another team's, environment's or name's row: it does not open.
            for elsewhere in ["rivals/shop/production/DATABASE_URL", "acme/shop/staging/DATABASE_URL", "acme/shop/production/API_TOKEN"] {
                #expect(throws: SecretBox.Failure.self) { try box.open(sealed, context: elsewhere) }
            }
            // Altered by one bit: it does not open.
            var altered = sealed
            altered.box[altered.box.count / 2] ^= 1
            #expect(throws: SecretBox.Failure.self) { try box.open(altered, context: "acme/shop/production/DATABASE_URL") }
            // Sealing twice gives two boxes (fresh nonces).
            #expect(try box.seal(value, context: "c").box != box.seal(value, context: "c").box)
        }
    }

    @Test func afterARotationOldValuesOpenAndNewOnesUseTheNewKey() throws {
        try Self.withKeyFile { path in
            let first = try SecretBox.load(keyFile: path, create: true)
            let old = try first.seal("v1", context: "c")
            let rotated = try SecretBox.rotate(keyFile: path)
            #expect(rotated.currentKeyID != first.currentKeyID)
            #expect(try rotated.open(old, context: "c") == "v1", "the old key stays to open what it sealed")
            #expect(!rotated.isCurrent(old))
            let resealed = try rotated.seal(try rotated.open(old, context: "c"), context: "c")
            #expect(resealed.keyID == rotated.currentKeyID)
            try SecretBox.retireOldKeys(keyFile: path)
            let retired = try SecretBox.load(keyFile: path)
            #expect(try retired.open(resealed, context: "c") == "v1")
            let failure = #expect(throws: SecretBox.Failure.self) { try retired.open(old, context: "c") }
            #expect(failure?.description.contains("no longer holds") == true)
        }
    }

    @Test func aKeyFileOthersMayReadOrThatIsMalformedIsRefused() throws {
        try Self.withKeyFile { path in
            let missing = #expect(throws: SecretBox.Failure.self) { try SecretBox.load(keyFile: path) }
            #expect(missing?.description.contains("no secret key file") == true)
            _ = try SecretBox.load(keyFile: path, create: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            let open = #expect(throws: SecretBox.Failure.self) { try SecretBox.load(keyFile: path) }
            #expect(open?.description.contains("chmod 600") == true)
            try "abc:not-base64\n".write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let malformed = #expect(throws: SecretBox.Failure.self) { try SecretBox.load(keyFile: path) }
            #expect(malformed?.description.contains(":1 is not") == true)
        }
    }
}
