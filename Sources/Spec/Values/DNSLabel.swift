/// The grammar shared by project, team and environment names and by each label of a domain:
/// lower-case ASCII letters, digits and `-`, not starting or ending with `-`.
///
/// The grammar is what keeps these names safe inside container names, Caddy site files and
/// API keys: it admits no space, brace, quote, slash, dot, underscore or line break.
enum DNSLabel {
    static func isAllowed(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (ascii >= 0x61 && ascii <= 0x7A) || (ascii >= 0x30 && ascii <= 0x39) || ascii == 0x2D
    }

    /// Checks `text` as one label; `what` names it in the message ("a project name").
    static func check(_ text: String, maxLength: Int, what: String) throws(InvalidValue) {
        if text.isEmpty {
            throw InvalidValue("\(what) must not be empty")
        }
        if let bad = text.first(where: { !isAllowed($0) }) {
            if bad.isASCII, bad.isUppercase {
                throw InvalidValue("\(what) must be lower case: write `\(text.lowercased())`")
            }
            throw InvalidValue("\(what) contains \(CharacterName.describe(bad)); only lower-case letters, digits and `-` are allowed")
        }
        if text.count > maxLength {
            throw InvalidValue("\(what) is \(text.count) characters long; the limit is \(maxLength)")
        }
        if text.hasPrefix("-") || text.hasSuffix("-") {
            throw InvalidValue("\(what) must not start or end with `-`")
        }
    }
}
