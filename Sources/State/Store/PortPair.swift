import Spec

/// The two host ports of an environment: blue even, green odd, adjacent.
public struct PortPair: Sendable, Hashable, Codable {
    public var blue: Int
    public var green: Int

    public init(blue: Int) {
        self.blue = blue
        self.green = blue + 1
    }

    public func port(for slot: SlotName) -> Int { slot == .blue ? blue : green }

    /// The port range of each environment kind (inclusive).
    public static func range(for kind: EnvironmentName.Kind) -> ClosedRange<Int> {
        switch kind {
        case .production: return 4100...4499
        case .staging: return 4500...4999
        case .preview: return 5000...5499
        }
    }

    /// The lowest free pair in the kind's range, or nil when the range is full.
    public static func allocate(for kind: EnvironmentName.Kind, used: Set<Int>) -> PortPair? {
        let range = range(for: kind)
        var blue = range.lowerBound + (range.lowerBound % 2)
        while blue + 1 <= range.upperBound {
            if !used.contains(blue), !used.contains(blue + 1) { return PortPair(blue: blue) }
            blue += 2
        }
        return nil
    }
}
