/// A duration written in codeb.yaml: one or more `<whole number><unit>` parts with units
/// `ms`, `s`, `m`, `h` and `d`, e.g. `500ms`, `2s`, `5m`, `1h30m`, `48h`.
///
/// Held as whole milliseconds, so equivalent spellings (`90s`, `1m30s`) are one value; its
/// text form is canonical (`1m30s`). Named apart from `Swift.Duration`, which it converts to.
public struct SpecDuration: TextValue, Sendable, Hashable, Comparable {
    /// Durations above this (10 years) are refused rather than risking overflow.
    public static let maxMilliseconds: Int64 = 10 * 365 * 86_400_000

    public let milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public static func seconds(_ seconds: Int64) -> SpecDuration { .init(milliseconds: seconds * 1000) }
    public static func minutes(_ minutes: Int64) -> SpecDuration { .init(milliseconds: minutes * 60_000) }
    public static func hours(_ hours: Int64) -> SpecDuration { .init(milliseconds: hours * 3_600_000) }

    public init(parsing text: String) throws(InvalidValue) {
        let example = "write e.g. `500ms`, `30s`, `5m` or `48h`"
        if text.isEmpty {
            throw InvalidValue("a duration must not be empty; \(example)")
        }
        if text.allSatisfy(\.isNumber), text.allSatisfy(\.isASCII) {
            throw InvalidValue("`\(text)` needs a unit: \(example)")
        }
        var total: Int64 = 0
        var rest = Substring(text)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else {
                if rest.first == "-" {
                    throw InvalidValue("a duration must not be negative")
                }
                throw InvalidValue("`\(text)` is not a duration; \(example)")
            }
            rest = rest.dropFirst(digits.count)
            if rest.first == "." {
                throw InvalidValue("`\(text)` uses a fraction; use whole numbers of a smaller unit, e.g. `1500ms`")
            }
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Int64
            switch unit {
            case "ms": scale = 1
            case "s": scale = 1000
            case "m": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            case "": throw InvalidValue("`\(text)` has a number without a unit; \(example)")
            default: throw InvalidValue("`\(unit)` is not a duration unit; use `ms`, `s`, `m`, `h` or `d`")
            }
            guard digits.count <= 12, let number = Int64(digits) else {
                throw InvalidValue("`\(text)` is too long a duration")
            }
            total += number * scale
            if total > Self.maxMilliseconds {
                throw InvalidValue("`\(text)` is too long a duration")
            }
        }
        milliseconds = total
    }

    /// The same span as a `Swift.Duration`.
    public var duration: Duration { .milliseconds(milliseconds) }

    /// Canonical text: hours, minutes, seconds and milliseconds, largest first (`1h30m`, `500ms`, `0s`).
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = ""
        for (unit, scale) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            let count = rest / scale
            if count > 0 { text += "\(count)\(unit)" }
            rest %= scale
        }
        return text
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
