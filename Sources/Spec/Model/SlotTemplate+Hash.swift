import Crypto
import Foundation

extension SlotTemplate {
    /// The canonical hash of the template, `sha256:<64 hex>`.
    ///
    /// It is computed over `canonicalJSON`: typed values (bytes, milliseconds, thousandths of a
    /// CPU, the fully qualified image) with sorted keys, so it ignores key order, comments,
    /// quoting and equivalent spellings, and changes when any field changes.
    public var hash: String {
        let digest = SHA256.hash(data: canonicalJSON)
        return "sha256:" + digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The first 12 hex digits of `hash`, for tables and site-file headers.
    public var shortHash: String {
        String(hash.dropFirst("sha256:".count).prefix(12))
    }

    /// The bytes `hash` is taken over. The `version` field lets a future change of this form
    /// be explicit rather than silently re-hashing every running slot.
    public var canonicalJSON: Data {
        let form = CanonicalForm(
            version: 1,
            image: image.canonical,
            command: command,
            env: Dictionary(uniqueKeysWithValues: env.map { ($0.key.value, $0.value) }),
            // Absent (not empty) without secrets, so templates from before secrets keep their hash.
            secrets: secrets.isEmpty ? nil : secrets.map(\.value),
            secretsDigest: secrets.isEmpty ? nil : (secretsBinding ?? SecretsBinding()).digest,
            port: port.value,
            memoryBytes: resources.memory.bytes,
            millicpus: resources.cpus.millicpus,
            // Absent at the default, so templates from before the pids limit keep their hash.
            pids: resources.pids == Resources.defaultPids ? nil : resources.pids,
            healthPath: healthcheck.path.value,
            healthIntervalMs: healthcheck.interval.milliseconds,
            healthTimeoutMs: healthcheck.timeout.milliseconds,
            healthyThreshold: healthcheck.healthyThreshold,
            healthDeadlineMs: healthcheck.deadline.milliseconds
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        return try! encoder.encode(form)
    }

    private struct CanonicalForm: Encodable {
        var version: Int
        var image: String
        var command: [String]?
        var env: [String: String]
        var secrets: [String]?
        var secretsDigest: String?
        var port: Int
        var memoryBytes: Int64
        var millicpus: Int
        var pids: Int?
        var healthPath: String
        var healthIntervalMs: Int64
        var healthTimeoutMs: Int64
        var healthyThreshold: Int
        var healthDeadlineMs: Int64
    }
}
