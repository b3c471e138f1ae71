/// A CPU share: a positive decimal number of CPUs with at most three decimals (`1`, `0.5`,
/// `1.25`). Held as thousandths, so `1`, `1.0` and `1.000` are one value.
public struct CPUCount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public static let maxCPUs = 1024

    public let millicpus: Int

    public init(millicpus: Int) {
        self.millicpus = millicpus
    }

    public init(parsing text: String) throws(InvalidValue) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits: (Substring) -> Bool = { $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard !whole.isEmpty || !fraction.isEmpty, isDigits(whole), isDigits(fraction),
              parts.count == 1 || !fraction.isEmpty
        else {
            if text.hasPrefix("-") {
                throw InvalidValue("a CPU count must be more than 0")
            }
            throw InvalidValue("`\(text)` is not a CPU count; write a number such as `1` or `0.5`")
        }
        guard fraction.count <= 3 else {
            throw InvalidValue("`\(text)` has more than three decimals")
        }
        guard whole.count <= 5, let units = Int(whole.isEmpty ? "0" : whole) else {
            throw InvalidValue("`\(text)` is more than \(Self.maxCPUs) CPUs")
        }
        let thousandths = Int(fraction.padding(toLength: 3, withPad: "0", startingAt: 0))!
        let value = units * 1000 + thousandths
        guard value > 0 else {
            throw InvalidValue("a CPU count must be more than 0")
        }
        guard value <= Self.maxCPUs * 1000 else {
            throw InvalidValue("`\(text)` is more than \(Self.maxCPUs) CPUs")
        }
        millicpus = value
    }

    /// What Docker's `HostConfig.NanoCpus` takes.
    public var nanoCPUs: Int64 { Int64(millicpus) * 1_000_000 }

    public var description: String {
        let whole = millicpus / 1000, fraction = millicpus % 1000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            text = String(describing: try container.decode(Double.self))
        }
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

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.millicpus < rhs.millicpus }
}
