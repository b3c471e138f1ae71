/// A domain a site is served at, e.g. `shop.example.com` or `*.shop.example.com`.
///
/// Lower-case DNS labels of 1–63 characters joined by dots, at least two labels, at most
/// 253 characters; a leading `*` label is a wildcard. No scheme, port, path or trailing dot:
/// the value is written verbatim into Caddy site files, so nothing else may get through.
public struct Hostname: TextValue, Sendable, Hashable, Comparable {
    public static let maxLength = 253

    public let value: String

    public init(parsing text: String) throws(InvalidValue) {
        if text.isEmpty {
            throw InvalidValue("a domain must not be empty")
        }
        if let schemeEnd = text.range(of: "://") {
            let rest = text[schemeEnd.upperBound...]
            throw InvalidValue("a domain has no scheme: write `\(rest.prefix { $0 != "/" && $0 != ":" })` without `\(text[..<schemeEnd.upperBound])`")
        }
        if let slash = text.firstIndex(of: "/") {
            throw InvalidValue("a domain has no path: remove `\(text[slash...])`")
        }
        if let colon = text.firstIndex(of: ":") {
            throw InvalidValue("a domain has no port: remove `\(text[colon...])` (codeb chooses the ports)")
        }
        if text.count > Self.maxLength {
            throw InvalidValue("the domain is \(text.count) characters long; the limit is \(Self.maxLength)")
        }
        if text.hasSuffix(".") {
            throw InvalidValue("a domain must not end with `.`")
        }
        if text.hasPrefix(".") || text.contains("..") {
            throw InvalidValue("the domain has an empty label (`..` or a leading `.`)")
        }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if labels.count < 2 {
            throw InvalidValue("`\(text)` is not a full domain: it needs at least two labels, e.g. `\(text).example.com`")
        }
        for (index, label) in labels.enumerated() {
            if label == "*" {
                guard index == 0 else {
                    throw InvalidValue("a wildcard `*` may only be the first label, as in `*.example.com`")
                }
                guard labels.count >= 3 else {
                    throw InvalidValue("a wildcard needs at least two labels after it, as in `*.example.com`")
                }
                continue
            }
            try DNSLabel.check(label, maxLength: 63, what: "the domain label `\(label)`")
        }
        value = text
    }

    public var isWildcard: Bool { value.hasPrefix("*.") }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

extension Hostname {
    /// Whether this name is `domain` itself or a name under it (`shop.acme.com` is within
    /// `acme.com`; `evilacme.com` is not).
    public func isWithin(_ domain: Hostname) -> Bool {
        value == domain.value || value.hasSuffix("." + domain.value)
    }
}
