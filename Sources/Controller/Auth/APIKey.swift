import Crypto
import Foundation
import Spec

/// An API key: `codeb_{team}_{role}_{secret}`, the secret 160 bits from the system RNG as hex.
/// Only its SHA-256 is ever stored; the key itself is shown once, at creation.
public struct APIKey: Sendable, Hashable {
    public let team: ResourceName
    public let role: Role
    public let text: String

    /// A new key with a fresh random secret.
    public static func generate(team: ResourceName, role: Role) -> APIKey {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            .map { String(format: "%02x", $0) }.joined()
        return APIKey(team: team, role: role, text: "codeb_\(team)_\(role)_\(secret)")
    }

    private init(team: ResourceName, role: Role, text: String) {
        self.team = team
        self.role = role
        self.text = text
    }

    /// Parses a presented key; nil unless it has the codeb shape.
    public init?(parsing text: String) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "codeb",
              let team = try? ResourceName(parsing: String(parts[1])),
              let role = Role(rawValue: String(parts[2])),
              parts[3].count == 40, parts[3].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        self.team = team
        self.role = role
        self.text = text
    }

    /// Hex SHA-256 of the whole key: what the store keeps.
    public var hash: String { Self.hash(text) }

    static func hash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A short public id for logs and listings: the first 12 hex digits of the hash.
    public var id: String { String(hash.prefix(12)) }
}

/// Compares two byte strings in time that depends only on their length.
func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    let left = Array(lhs.utf8), right = Array(rhs.utf8)
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in left.indices { difference |= left[index] ^ right[index] }
    return difference == 0
}
