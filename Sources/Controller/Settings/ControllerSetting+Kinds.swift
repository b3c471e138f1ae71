import Spec
import State

/// The kinds of value a setting takes, each with its one grammar and error sentence, so a
/// declaration in the catalogue is a name, a field and a help line.
extension ControllerSetting {
    public typealias Field<Value> = WritableKeyPath<Configuration, Value> & Sendable

    /// Free text (a path, a socket).
    static func text(_ name: String, _ field: Field<String>, placeholder: String, example: String, help: String) -> Self {
        Self(name, placeholder: placeholder, example: example, help: help, show: { $0[keyPath: field] }, write: { text, configuration in
            configuration[keyPath: field] = text
        })
    }

    /// Text where empty means "not set".
    static func optionalText(_ name: String, _ field: Field<String?>, placeholder: String, example: String, unset: String? = nil, secret: Bool = false, help: String) -> Self {
        Self(name, placeholder: placeholder, example: example, unset: unset, secret: secret, help: help, show: { $0[keyPath: field] }, write: { text, configuration in
            configuration[keyPath: field] = text.isEmpty ? nil : text
        })
    }

    /// A whole number in `range`.
    static func number(_ name: String, _ field: Field<Int>, _ range: ClosedRange<Int>, placeholder: String = "N", example: String, help: String) -> Self {
        Self(name, placeholder: placeholder, example: example, help: help, show: { String($0[keyPath: field]) }, write: { text, configuration throws(Problem) in
            configuration[keyPath: field] = try wholeNumber(text, range)
        })
    }

    /// A whole number in `range`, or unset.
    static func optionalNumber(_ name: String, _ field: Field<Int?>, _ range: ClosedRange<Int>, placeholder: String = "N", example: String, unset: String? = nil, help: String) -> Self {
        Self(name, placeholder: placeholder, example: example, unset: unset, help: help, show: { $0[keyPath: field].map(String.init) }, write: { text, configuration throws(Problem) in
            configuration[keyPath: field] = try wholeNumber(text, range)
        })
    }

    /// The spec's durations (`30s`, `5m`, `1h30m`, `1500ms`) or a bare number of seconds, in `range`.
    static func duration(_ name: String, _ field: Field<Duration>, _ range: ClosedRange<Duration>, example: String, help: String) -> Self {
        Self(name, placeholder: "DURATION", example: example, help: help, show: { $0[keyPath: field].specDescription }, write: { text, configuration throws(Problem) in
            let value: Duration
            if let seconds = Int(text), text.allSatisfy(\.isASCII) {
                value = .seconds(seconds)
            } else {
                do throws(InvalidValue) { value = try SpecDuration(parsing: text).duration } catch { throw Problem("\(error.message) (a bare number is seconds)") }
            }
            guard range.contains(value) else {
                throw Problem("`\(text)` is outside \(range.lowerBound.specDescription) to \(range.upperBound.specDescription)")
            }
            configuration[keyPath: field] = value
        })
    }

    /// A value of a type with its own grammar (`Hostname`, `PortRanges`, …), shown by `description`.
    static func parsed<Value: CustomStringConvertible>(
        _ name: String, _ field: Field<Value>, placeholder: String, example: String, help: String,
        parse: @escaping @Sendable (String) throws(Problem) -> Value
    ) -> Self {
        Self(name, placeholder: placeholder, example: example, help: help, show: { $0[keyPath: field].description }, write: { text, configuration throws(Problem) in
            configuration[keyPath: field] = try parse(text)
        })
    }

    /// The same for a value that may be unset.
    static func parsed<Value: CustomStringConvertible>(
        _ name: String, _ field: Field<Value?>, placeholder: String, example: String, unset: String? = nil, help: String,
        parse: @escaping @Sendable (String) throws(Problem) -> Value
    ) -> Self {
        Self(name, placeholder: placeholder, example: example, unset: unset, help: help, show: { $0[keyPath: field]?.description }, write: { text, configuration throws(Problem) in
            configuration[keyPath: field] = try parse(text)
        })
    }

    /// On when given as a flag; `true`/`false` (or yes/no, 1/0) in the file and variables.
    static func toggle(_ name: String, _ field: Field<Bool>, help: String) -> Self {
        Self(name, placeholder: nil, example: "true", help: help, show: { String($0[keyPath: field]) }, write: { text, configuration throws(Problem) in
            switch text.lowercased() {
            case "true", "yes", "1": configuration[keyPath: field] = true
            case "false", "no", "0", "": configuration[keyPath: field] = false
            default: throw Problem("`\(text)` is not true or false")
            }
        })
    }

    static func wholeNumber(_ text: String, _ range: ClosedRange<Int>) throws(Problem) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw Problem("`\(text)` is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A spec type's parser, its error in the setting's words.
    static func spec<Value>(_ parse: (String) throws(InvalidValue) -> Value, _ text: String) throws(Problem) -> Value {
        do { return try parse(text) } catch { throw Problem(error.message) }
    }
}
