import Foundation

/// Median, a tail figure and the sample size of a set of timings, printed in milliseconds.
/// The tail is called p95 only from 20 samples on (below that the nearest-rank p95 is just the
/// maximum, or close to it, and naming it p95 would claim a precision the run does not have):
/// with fewer, the line says `max` and the n.
public struct SampleStats: Sendable {
    public static let samplesForP95 = 20

    public let samples: [Double]  // seconds, or whatever unit `value` lines use

    public init(_ samples: [Double]) {
        self.samples = samples.sorted()
    }

    /// Nearest-rank percentile.
    public func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(samples.count)).rounded(.up))
        return samples[min(max(rank, 1), samples.count) - 1]
    }

    public var median: Double { percentile(50) }
    public var p95: Double { percentile(95) }

    /// `("p95", p95)` from 20 samples, else `("max", maximum)`.
    public var tail: (name: String, value: Double) {
        samples.count >= Self.samplesForP95 ? ("p95", p95) : ("max", samples.last ?? .nan)
    }

    /// `name: median X ms, p95 Y ms, n=N` (or `max Y ms` under 20 samples).
    public func line(_ name: String) -> String {
        String(format: "%@: median %.2f ms, %@ %.2f ms, n=%d", name, median * 1000, tail.name, tail.value * 1000, samples.count)
    }

    /// The same for values in their own unit (`MiB`, allocations): `median X, p95 Y, n=N`.
    public func values(_ format: String = "%.1f", unit: String = "") -> String {
        let suffix = unit.isEmpty ? "" : " " + unit
        return "median \(String(format: format, median))\(suffix), \(tail.name) \(String(format: format, tail.value))\(suffix), n=\(samples.count)"
    }
}
