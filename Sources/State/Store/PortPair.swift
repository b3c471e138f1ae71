import Spec

/// The host ports of an environment: blue even, green odd, adjacent — and, when its range has
/// room, a spare. A deploy that evicts a slot starts its new container on a port no container
/// holds (the spare, or whichever of the three the evicted one frees), so the evicted container
/// drains and goes off the rollout's path instead of before the new one may start.
public struct PortPair: Sendable, Hashable, Codable {
    public var blue: Int
    public var green: Int
    /// Nil in state written before spares existed, and when the range had no port left for one.
    public var spare: Int?

    public init(blue: Int, spare: Int? = nil) {
        self.blue = blue
        self.green = blue + 1
        self.spare = spare
    }

    /// The slot's home port: where an empty slot's record points.
    public func port(for slot: SlotName) -> Int { slot == .blue ? blue : green }

    /// Every port the environment holds.
    public var all: [Int] { [blue, green] + (spare.map { [$0] } ?? []) }

    /// The default port range of each environment kind (inclusive).
    public static func range(for kind: EnvironmentName.Kind) -> ClosedRange<Int> {
        PortRanges.default[kind]
    }

    /// The lowest free pair in the kind's range with the highest free port as its spare (pairs
    /// fill the range from below, spares from above, so spares never split a pair), or nil
    /// when no pair is free.
    public static func allocate(for kind: EnvironmentName.Kind, used: Set<Int>, ranges: PortRanges = .default) -> PortPair? {
        let range = ranges[kind]
        var blue = range.lowerBound + (range.lowerBound % 2)
        while blue + 1 <= range.upperBound {
            if !used.contains(blue), !used.contains(blue + 1) {
                var pair = PortPair(blue: blue)
                pair.spare = spare(in: range, used: used.union([blue, blue + 1]))
                return pair
            }
            blue += 2
        }
        return nil
    }

    /// The highest free port of `range` above the lowest free pair, or nil. A spare never takes
    /// the last free pair's ports: a new environment's pair comes first.
    public static func spare(in range: ClosedRange<Int>, used: Set<Int>) -> Int? {
        var lowestFreePairTop = range.upperBound + 1
        var blue = range.lowerBound + (range.lowerBound % 2)
        while blue + 1 <= range.upperBound {
            if !used.contains(blue), !used.contains(blue + 1) { lowestFreePairTop = blue + 1; break }
            blue += 2
        }
        var port = range.upperBound
        while port >= range.lowerBound {
            if !used.contains(port), port > lowestFreePairTop || lowestFreePairTop > range.upperBound { return port }
            port -= 1
        }
        return nil
    }
}
