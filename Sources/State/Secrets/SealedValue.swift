import Foundation

/// A value as stored: sealed (AES-256-GCM) under the key `keyID` names, never in clear.
/// `SecretBox` (Drivers) seals and opens it; the stores keep it as it is.
public struct SealedValue: Sendable, Hashable, Codable {
    /// Which of the controller's keys sealed it: the first 12 hex digits of the key's SHA-256.
    public var keyID: String
    /// Nonce ‖ ciphertext ‖ tag.
    public var box: Data

    public init(keyID: String, box: Data) {
        self.keyID = keyID
        self.box = box
    }
}
