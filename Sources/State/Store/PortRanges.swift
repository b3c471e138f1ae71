import Spec

/// The host port range of each environment kind (inclusive): where blue/green pairs and spares
/// are allocated. The defaults hold 134 production, 167 staging and 167 preview environments
/// with their spares (200, 250 and 250 pairs without); `--ports production=4100-4999,…`
/// widens them on hosts that need more, and environments on different nodes share them.
public struct PortRanges: Sendable, Hashable, CustomStringConvertible {
    public var production: ClosedRange<Int>
    public var staging: ClosedRange<Int>
    public var preview: ClosedRange<Int>

    public init(production: ClosedRange<Int> = 4100...4499, staging: ClosedRange<Int> = 4500...4999, preview: ClosedRange<Int> = 5000...5499) {
        self.production = production
        self.staging = staging
        self.preview = preview
    }

    public static let `default` = PortRanges()

    public subscript(kind: EnvironmentName.Kind) -> ClosedRange<Int> {
        get {
            switch kind {
            case .production: production
            case .staging: staging
            case .preview: preview
            }
        }
        set {
            switch kind {
            case .production: production = newValue
            case .staging: staging = newValue
            case .preview: preview = newValue
            }
        }
    }

    /// `production=4100-4499,staging=4500-4999,preview=5000-5499`.
    public var description: String {
        EnvironmentName.Kind.allCases.map { "\($0)=\(self[$0].lowerBound)-\(self[$0].upperBound)" }.joined(separator: ",")
    }

    /// Reads `kind=low-high` items separated by commas; kinds not named keep their defaults.
    /// Refused: an unknown kind, a range outside 1024–65535 or holding no pair, overlapping kinds.
    public init(parsing text: String) throws(InvalidValue) {
        var ranges = PortRanges.default
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = EnvironmentName.Kind(rawValue: parts[0]) else {
                throw InvalidValue("`\(item.prefix(64))` is not kind=low-high with kind production, staging or preview (e.g. production=4100-4999)")
            }
            let bounds = parts[1].split(separator: "-").map { Int($0) }
            guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high else {
                throw InvalidValue("`\(parts[1].prefix(32))` is not a range low-high such as 4100-4999")
            }
            guard low >= 1024, high <= 65535 else {
                throw InvalidValue("the \(kind) range \(low)-\(high) must lie within 1024-65535")
            }
            guard high - (low + low % 2) >= 1 else {
                throw InvalidValue("the \(kind) range \(low)-\(high) holds no blue/green pair (an even port and the next)")
            }
            ranges[kind] = low...high
        }
        let kinds = EnvironmentName.Kind.allCases
        for (index, kind) in kinds.enumerated() {
            for other in kinds[(index + 1)...] where ranges[kind].overlaps(ranges[other]) {
                throw InvalidValue("the \(kind) and \(other) ranges overlap (\(ranges[kind].lowerBound)-\(ranges[kind].upperBound), \(ranges[other].lowerBound)-\(ranges[other].upperBound)); each kind needs its own")
            }
        }
        self = ranges
    }
}
