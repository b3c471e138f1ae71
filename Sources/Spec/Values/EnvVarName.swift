/// The name of an environment variable passed to the container: `[A-Za-z_][A-Za-z0-9_]*`,
/// at most 255 characters. Docker receives `NAME=value`, so a name with `=` could forge
/// another variable; the grammar rules that out.
public struct EnvVarName: TextValue, Sendable, Hashable, Comparable, CodingKeyRepresentable {
    public static let maxLength = 255

    public let value: String

    public init(parsing text: String) throws(InvalidValue) {
        guard let first = text.first else {
            throw InvalidValue("an environment variable name must not be empty")
        }
        if let bad = text.first(where: { !Self.isAllowed($0) }) {
            if bad == "=" {
                throw InvalidValue("an environment variable name must not contain `=`; write `NAME: value`")
            }
            throw InvalidValue("an environment variable name contains \(CharacterName.describe(bad)); only letters, digits and `_` are allowed")
        }
        if first.isNumber {
            throw InvalidValue("an environment variable name must not start with a digit")
        }
        if text.count > Self.maxLength {
            throw InvalidValue("the environment variable name is \(text.count) characters long; the limit is \(Self.maxLength)")
        }
        value = text
    }

    static func isAllowed(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (ascii >= 0x41 && ascii <= 0x5A) || (ascii >= 0x61 && ascii <= 0x7A)
            || (ascii >= 0x30 && ascii <= 0x39) || ascii == 0x5F
    }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public var codingKey: any CodingKey { AnyKey(stringValue: value) }

    public init?<T: CodingKey>(codingKey: T) {
        guard let name = try? EnvVarName(parsing: codingKey.stringValue) else { return nil }
        self = name
    }
}
