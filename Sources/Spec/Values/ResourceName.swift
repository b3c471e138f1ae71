/// A project or team name: a DNS label of 1–32 characters (`[a-z0-9-]`, no leading or
/// trailing `-`). It becomes part of container names, site file names and API keys.
public struct ResourceName: TextValue, Sendable, Hashable, Comparable {
    /// The longest name accepted.
    public static let maxLength = 32

    public let value: String

    public init(parsing text: String) throws(InvalidValue) {
        try DNSLabel.check(text, maxLength: Self.maxLength, what: "the name")
        value = text
    }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}
