import Crypto
import Foundation

extension ServiceSpec {
    /// `sha256:<64 hex>` over what its container is made from (image, port, volume, env, the
    /// names of its generated secrets, resources): a change replaces the container on the same
    /// volume. Its backup policy is not in it (a schedule changes no container), nor the
    /// generated values (the service was initialised with the first; a new one would not reach
    /// the data it already has).
    public var hash: String {
        let form = CanonicalForm(
            version: 1, image: image.canonical, port: port.value, volume: volume,
            env: Dictionary(uniqueKeysWithValues: env.map { ($0.key.value, $0.value) }),
            generatedSecrets: generatedSecrets.map(\.value), memoryBytes: memory.bytes, millicpus: cpus.millicpus
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        let digest = SHA256.hash(data: try! encoder.encode(form))
        return "sha256:" + digest.map { String(format: "%02x", $0) }.joined()
    }

    private struct CanonicalForm: Encodable {
        var version: Int
        var image: String
        var port: Int
        var volume: String?
        var env: [String: String]
        var generatedSecrets: [String]
        var memoryBytes: Int64
        var millicpus: Int
    }
}
