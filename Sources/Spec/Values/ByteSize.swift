/// A memory size: plain bytes (`536870912`) or a number with a binary unit — `k`, `m`, `g`,
/// `t`, optionally followed by `b` or written `ki`/`mi`/`gi`/`ti`, in any case (`512m`, `1G`,
/// `512Mi`). Held as bytes, so `512m` and `536870912` are one value.
public struct ByteSize: TextValue, Sendable, Hashable, Comparable {
    public let bytes: Int64

    public init(bytes: Int64) {
        self.bytes = bytes
    }

    public static func megabytes(_ count: Int64) -> ByteSize { .init(bytes: count << 20) }

    public init(parsing text: String) throws(InvalidValue) {
        let example = "write e.g. `512m`, `1g` or a number of bytes"
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else {
            if text.hasPrefix("-") {
                throw InvalidValue("a size must not be negative")
            }
            throw InvalidValue("`\(text)` is not a size; \(example)")
        }
        let unit = text.dropFirst(digits.count).lowercased()
        if unit.hasPrefix(".") {
            throw InvalidValue("`\(text)` uses a fraction; use a smaller unit, e.g. `1536m`")
        }
        let shift: Int64
        switch unit {
        case "", "b": shift = 0
        case "k", "kb", "ki", "kib": shift = 10
        case "m", "mb", "mi", "mib": shift = 20
        case "g", "gb", "gi", "gib": shift = 30
        case "t", "tb", "ti", "tib": shift = 40
        default: throw InvalidValue("`\(unit)` is not a size unit; \(example)")
        }
        guard digits.count <= 15, let number = Int64(digits), number <= (Int64.max >> shift) else {
            throw InvalidValue("`\(text)` is too large")
        }
        bytes = number << shift
    }

    /// Canonical text: the largest unit that divides the size exactly (`512m`, `1g`, `1000`).
    public var description: String {
        for (unit, shift) in [("t", Int64(40)), ("g", 30), ("m", 20), ("k", 10)] where bytes != 0 {
            if bytes % (1 << shift) == 0 { return "\(bytes >> shift)\(unit)" }
        }
        return String(bytes)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes < rhs.bytes }
}
