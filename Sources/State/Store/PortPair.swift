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

    /// The default port range of each environment kind (inclusive).
    public static func range(for kind: EnvironmentName.Kind) -> ClosedRange<Int> {
        PortRanges.default[kind]
    }

    /// The lowest free pair in the kind's range, or nil when the range is full.
    public static func allocate(for kind: EnvironmentName.Kind, used: Set<Int>, ranges: PortRanges = .default) -> PortPair? {
        let range = ranges[kind]
        var blue = range.lowerBound + (range.lowerBound % 2)
        while blue + 1 <= range.upperBound {
            if !used.contains(blue), !used.contains(blue + 1) { return PortPair(blue: blue) }
            blue += 2
        }
        return nil
    }
}
