/// A host that runs a controller (`codeb controller --node NAME`, default the host name): a DNS
/// label of 1–63 characters. An environment's `nodes` lists the hosts it may run on.
public struct NodeName: TextValue, Sendable, Hashable, Comparable {
    public static let maxLength = 63

    public let value: String

    public init(parsing text: String) throws(InvalidValue) {
        try DNSLabel.check(text, maxLength: Self.maxLength, what: "a node name")
        value = text
    }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}
