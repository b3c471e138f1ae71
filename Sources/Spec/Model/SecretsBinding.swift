import Crypto
import Foundation

/// Which stored value of each secret a revision runs with: for every name, the secrets version
/// that set the value. Values are never here; the controller looks them up by name and version,
/// so a rollback runs with the values its revision was deployed with.
public struct SecretsBinding: Sendable, Hashable, Codable {
    public var pins: [EnvVarName: Int]

    public init(pins: [EnvVarName: Int] = [:]) {
        self.pins = pins
    }

    /// `sha256:<64 hex>` over the names and versions (never the values): it changes exactly when
    /// a value the revision runs with was set again, and is what the template hash covers.
    public var digest: String {
        let text = pins.sorted { $0.key < $1.key }.map { "\($0.key.value)=\($0.value)\n" }.joined()
        let digest = SHA256.hash(data: Data(("codeb-secrets-v1\n" + text).utf8))
        return "sha256:" + digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The names whose pinned version differs between `self` and `other`, sorted.
    public func changed(from other: SecretsBinding?) -> [EnvVarName] {
        let old = other?.pins ?? [:]
        return Set(pins.keys).union(old.keys).filter { pins[$0] != old[$0] }.sorted()
    }
}
