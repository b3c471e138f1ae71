import Spec

/// `Duration` in the units the drivers and libraries take (NIO's `TimeAmount`, Caddy's
/// milliseconds, PostgreSQL intervals, Dispatch deadlines): the one place that does the
/// seconds-and-attoseconds arithmetic.
extension Duration {
    /// The duration in seconds, fractions kept.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole milliseconds, rounded toward zero.
    public var inMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, rounded toward zero.
    public var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// As codeb.yaml writes durations (`10s`, `2m`, `1500ms`), to the millisecond.
    public var specDescription: String {
        SpecDuration(milliseconds: inMilliseconds).description
    }
}
