/// Why a piece of text is not a valid value of some spec type.
///
/// `message` is a plain sentence fragment that reads after the key path,
/// e.g. "must be lower case: write `shop`".
public struct InvalidValue: Error, Sendable, Hashable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}

/// Decodes a validated spec value from its canonical string form.
protocol TextValue: Codable, CustomStringConvertible {
    init(parsing text: String) throws(InvalidValue)
}

extension TextValue {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Names characters the way an error message should show them.
enum CharacterName {
    static func describe(_ character: Character) -> String {
        switch character {
        case " ": return "a space"
        case "\n", "\r\n", "\r": return "a line break"
        case "\t": return "a tab"
        case "`": return "a backtick"
        default: break
        }
        let scalars = character.unicodeScalars
        if scalars.count == 1, let scalar = scalars.first {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                return "a control character (U+\(hex(scalar.value)))"
            }
            if !scalar.isASCII {
                return "the non-ASCII character `\(character)` (U+\(hex(scalar.value)))"
            }
        } else if !character.isASCII {
            return "the non-ASCII character `\(character)`"
        }
        return "`\(character)`"
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
