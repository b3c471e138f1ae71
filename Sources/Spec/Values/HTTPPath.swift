/// The path (and optional query) the controller requests to probe a slot's health, e.g.
/// `/health` or `/ready?full=1`: starts with `/`, at most 1024 characters of RFC 3986 path
/// and query characters, `%` only as a valid escape.
public struct HTTPPath: TextValue, Sendable, Hashable {
    public static let maxLength = 1024

    public let value: String

    public init(parsing text: String) throws(InvalidValue) {
        guard text.hasPrefix("/") else {
            throw InvalidValue("a health check path starts with `/`, e.g. `/health`")
        }
        guard text.count <= Self.maxLength else {
            throw InvalidValue("the path is \(text.count) characters long; the limit is \(Self.maxLength)")
        }
        let allowed = "-._~!$&'()*+,;=:@/?%"
        if let bad = text.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || allowed.contains($0))) }) {
            throw InvalidValue("the path contains \(CharacterName.describe(bad)); percent-encode it")
        }
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "%") {
            let isHex: (UInt8) -> Bool = { Character(Unicode.Scalar($0)).isHexDigit }
            guard index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else {
                throw InvalidValue("the path has a `%` that is not followed by two hex digits")
            }
        }
        value = text
    }

    public var description: String { value }
}
