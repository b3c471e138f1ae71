/// The name of an environment: `production`, `staging`, or a preview instance
/// `preview-<suffix>` (e.g. `preview-pr-42`). `preview` alone names the block in codeb.yaml
/// that preview instances are made from.
public struct EnvironmentName: TextValue, Sendable, Hashable, Comparable, CodingKeyRepresentable {
    /// The environment kinds codeb knows; each owns a port range.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case production, staging, preview
    }

    /// The longest preview suffix accepted (`preview-` + 32 characters).
    public static let maxSuffixLength = 32

    public static let production = EnvironmentName(trusted: "production")
    public static let staging = EnvironmentName(trusted: "staging")
    public static let preview = EnvironmentName(trusted: "preview")

    public let value: String

    private init(trusted value: String) {
        self.value = value
    }

    public init(parsing text: String) throws(InvalidValue) {
        if Kind(rawValue: text) != nil {
            value = text
            return
        }
        guard text.hasPrefix("preview-") else {
            throw InvalidValue("an environment is `production`, `staging` or `preview-<name>` (e.g. `preview-pr-42`), not `\(text)`")
        }
        let suffix = String(text.dropFirst("preview-".count))
        try DNSLabel.check(suffix, maxLength: Self.maxSuffixLength, what: "the preview name after `preview-`")
        value = text
    }

    public var kind: Kind {
        Kind(rawValue: value) ?? .preview
    }

    /// A preview instance such as `preview-pr-42` (not the `preview` block itself).
    public var isPreviewInstance: Bool { value.hasPrefix("preview-") }

    /// Whether slots can be deployed for it: every environment except the `preview` block.
    public var isDeployable: Bool { value != "preview" }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        let order: [Kind] = [.production, .staging, .preview]
        let left = order.firstIndex(of: lhs.kind)!, right = order.firstIndex(of: rhs.kind)!
        return left != right ? left < right : lhs.value < rhs.value
    }

    public var codingKey: any CodingKey { AnyKey(stringValue: value) }

    public init?<T: CodingKey>(codingKey: T) {
        guard let name = try? EnvironmentName(parsing: codingKey.stringValue) else { return nil }
        self = name
    }
}

/// A plain string coding key, for dictionaries keyed by spec values.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
