/// How a new revision is watched after it takes traffic (`bake:` in codeb.yaml): for `duration`
/// after the switch, its real requests are judged — once `minRequests` were seen, a share of
/// server errors above `maxErrorRate` or a p95 above `maxP95` switches traffic back to the warm
/// previous slot. Not part of the template hash.
public struct BakePolicy: Sendable, Hashable, Codable, CustomStringConvertible {
    public var duration: SpecDuration
    /// In hundredths of a percent: 2% is 200, 0.5% is 50.
    public var maxErrorRateBasisPoints: Int
    public var maxP95: SpecDuration?
    public var minRequests: Int

    public static let defaultMaxErrorRateBasisPoints = 200
    public static let defaultMinRequests = 50
    /// What `codeb promote --bake` judges by when the spec has no `bake:`: 5 minutes, the default bars.
    public static let onDemand = BakePolicy(duration: .minutes(5))

    public init(duration: SpecDuration, maxErrorRateBasisPoints: Int = BakePolicy.defaultMaxErrorRateBasisPoints, maxP95: SpecDuration? = nil,
                minRequests: Int = BakePolicy.defaultMinRequests) {
        self.duration = duration
        self.maxErrorRateBasisPoints = maxErrorRateBasisPoints
        self.maxP95 = maxP95
        self.minRequests = minRequests
    }

    /// The bar as a share (0.02 for 2%).
    public var maxErrorRate: Double { Double(maxErrorRateBasisPoints) / 10_000 }

    /// `2%`, `0.5%`, `12.25%`.
    public static func percentText(_ basisPoints: Int) -> String {
        let whole = basisPoints / 100, rest = basisPoints % 100
        return rest == 0 ? "\(whole)%" : rest % 10 == 0 ? "\(whole).\(rest / 10)%" : "\(whole).\(rest < 10 ? "0" : "")\(rest)%"
    }

    /// `2%` → 200: a number of percent with at most two decimals, from 0 to 100.
    public static func basisPoints(parsing text: String) throws(InvalidValue) -> Int {
        guard text.hasSuffix("%") else { throw InvalidValue("must be a percentage such as `2%`, not `\(text)`") }
        let number = text.dropLast()
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let decimals = parts.count == 2 ? parts[1] : "0"
        let digits = decimals.allSatisfy { $0.isASCII && $0.isNumber }
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), parts[0].allSatisfy(\.isASCII), whole >= 0,
              (1...2).contains(decimals.count), digits
        else { throw InvalidValue("must be a percentage with at most two decimals, such as `2%` or `0.5%`, not `\(text)`") }
        let fraction = parts.count == 2 ? Int(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0 : 0
        let value = whole * 100 + fraction
        guard value <= 10_000 else { throw InvalidValue("must be from 0% to 100%, not `\(text)`") }
        return value
    }

    public var description: String {
        "for \(duration), max-error-rate \(Self.percentText(maxErrorRateBasisPoints))" + (maxP95.map { ", max-p95 \($0)" } ?? "") + ", min-requests \(minRequests)"
    }
}
