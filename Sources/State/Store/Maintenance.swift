import Foundation
import Spec

/// An environment taken offline for its users on purpose: Caddy answers its domains with 503,
/// `message` and `Retry-After`, while its containers keep running and the controller's probes
/// still reach them.
public struct Maintenance: Sendable, Hashable, Codable {
    public var message: String
    /// Seconds, as `Retry-After` says them.
    public var retryAfter: Int
    public var since: Date
    /// The key's name (or id) that turned it on.
    public var by: String

    public static let defaultMessage = "This site is down for maintenance. Please try again shortly."
    public static let defaultRetryAfter = 600
    public static let maximumMessage = 300

    public init(message: String = Maintenance.defaultMessage, retryAfter: Int = Maintenance.defaultRetryAfter, since: Date, by: String) {
        self.message = message
        self.retryAfter = retryAfter
        self.since = since
        self.by = by
    }

    /// `text` as a maintenance message: one line of up to 300 characters without `{`, `}`, `"`
    /// or `\` — it is written into a Caddyfile when Caddy switches by reload, where those
    /// would be syntax or placeholders (`{env.…}` would read Caddy's environment).
    public static func message(parsing text: String) throws(InvalidValue) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw InvalidValue("the maintenance message is empty") }
        guard trimmed.count <= maximumMessage else { throw InvalidValue("the maintenance message has \(trimmed.count) characters; at most \(maximumMessage)") }
        if let bad = trimmed.unicodeScalars.first(where: { "{}\"\\".unicodeScalars.contains($0) || CharacterSet.controlCharacters.contains($0) }) {
            let shown = CharacterSet.controlCharacters.contains(bad) ? String(format: "U+%04X", bad.value) : "`\(bad)`"
            throw InvalidValue("the maintenance message may not hold \(shown) (one line, no braces, quotes or backslashes)")
        }
        return trimmed
    }
}
