import Foundation

/// Requests one slot answered, counted per second for the last five minutes and per minute for
/// the last hour, with a latency histogram per bucket: enough for rates, error shares and p50/p95
/// over 1 m, 5 m and 1 h, and for "since the switch" to the second — in bounded memory
/// (360 buckets of fixed size, whatever the traffic).
public struct TrafficWindow: Sendable, Hashable {
    /// What a stretch of time held.
    public struct Summary: Sendable, Hashable {
        public var requests = 0
        /// Answers 500–599 (refused connections included).
        public var serverErrors = 0
        /// 502s whose upstream refused the connection (nothing listening).
        public var refused = 0
        public var p50: Duration?
        public var p95: Duration?

        public init(requests: Int = 0, serverErrors: Int = 0, refused: Int = 0, p50: Duration? = nil, p95: Duration? = nil) {
            self.requests = requests
            self.serverErrors = serverErrors
            self.refused = refused
            self.p50 = p50
            self.p95 = p95
        }

        /// Server errors per request, 0 without requests.
        public var errorRate: Double { requests == 0 ? 0 : Double(serverErrors) / Double(requests) }
    }

    /// One minute's requests and server errors: a point of a chart.
    public struct Minute: Sendable, Hashable, Codable {
        public var start: Date
        public var requests: Int
        public var serverErrors: Int

        public init(start: Date, requests: Int, serverErrors: Int) {
            self.start = start
            self.requests = requests
            self.serverErrors = serverErrors
        }
    }

    struct Bucket: Sendable, Hashable {
        /// The bucket's start, in whole seconds (per-second) or whole minutes × 60 (per-minute).
        var start: Int64 = -1
        var requests: UInt32 = 0
        var serverErrors: UInt32 = 0
        var refused: UInt32 = 0
        var latency = [UInt32](repeating: 0, count: TrafficWindow.latencyBounds.count + 1)

        mutating func add(status: Int, refused: Bool, seconds: Double) {
            requests += 1
            if (500...599).contains(status) { serverErrors += 1 }
            if refused { self.refused += 1 }
            latency[TrafficWindow.latencyBounds.firstIndex { seconds <= $0 } ?? TrafficWindow.latencyBounds.count] += 1
        }
    }

    /// Upper bounds of the latency buckets, seconds: 1 ms to 60 s, about 25 % apart.
    static let latencyBounds: [Double] = (0..<50).map { 0.001 * pow(1.25, Double($0)) }.filter { $0 <= 60 } + [60]
    static let secondBuckets = 300
    static let minuteBuckets = 60

    var seconds = [Bucket](repeating: Bucket(), count: TrafficWindow.secondBuckets)
    var minutes = [Bucket](repeating: Bucket(), count: TrafficWindow.minuteBuckets)

    public init() {}

    /// Counts a request that ended at `end` (older than an hour: ignored).
    public mutating func add(end: Date, status: Int, refused: Bool, duration: Double) {
        let second = Int64(end.timeIntervalSince1970.rounded(.down))
        Self.add(into: &seconds, slot: Int(second % Int64(Self.secondBuckets)), start: second, status: status, refused: refused, duration: duration)
        let minute = second / 60 * 60
        Self.add(into: &minutes, slot: Int(second / 60 % Int64(Self.minuteBuckets)), start: minute, status: status, refused: refused, duration: duration)
    }

    private static func add(into buckets: inout [Bucket], slot: Int, start: Int64, status: Int, refused: Bool, duration: Double) {
        if buckets[slot].start < start { buckets[slot] = Bucket(start: start) }
        guard buckets[slot].start == start else { return }   // older than the ring keeps
        buckets[slot].add(status: status, refused: refused, seconds: duration)
    }

    /// What the requests that ended in `[from, to)` came to: to the second within the last five
    /// minutes, to the minute before that (up to an hour).
    public func summary(from: Date, to: Date) -> Summary {
        let low = Int64(from.timeIntervalSince1970.rounded(.down)), high = Int64(to.timeIntervalSince1970.rounded(.up))
        let newest = seconds.map(\.start).max() ?? -1
        let buckets: [Bucket]
        if newest >= 0, low > newest - Int64(Self.secondBuckets) {
            buckets = seconds.filter { $0.start >= low && $0.start < high }
        } else {
            buckets = minutes.filter { $0.start >= low / 60 * 60 && $0.start < high }
        }
        var summary = Summary()
        var latency = [UInt64](repeating: 0, count: Self.latencyBounds.count + 1)
        for bucket in buckets {
            summary.requests += Int(bucket.requests)
            summary.serverErrors += Int(bucket.serverErrors)
            summary.refused += Int(bucket.refused)
            for index in latency.indices { latency[index] += UInt64(bucket.latency[index]) }
        }
        summary.p50 = Self.quantile(0.5, latency)
        summary.p95 = Self.quantile(0.95, latency)
        return summary
    }

    /// The upper bound of the latency bucket the `q` quantile falls in (nil without requests).
    static func quantile(_ q: Double, _ counts: [UInt64]) -> Duration? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = UInt64((Double(total) * q).rounded(.up))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= rank {
                let bound = index < latencyBounds.count ? latencyBounds[index] : 60
                return .milliseconds(Int64((bound * 1000).rounded(.up)))
            }
        }
        return nil
    }

    /// The last `count` whole minutes up to `until` (the one `until` falls in last), oldest
    /// first, a minute without requests at zero.
    public func perMinute(until: Date, count: Int = 60) -> [Minute] {
        let last = Int64(until.timeIntervalSince1970.rounded(.down)) / 60 * 60
        return (0..<min(count, Self.minuteBuckets)).reversed().map { back in
            let start = last - Int64(back) * 60
            let bucket = minutes[Int(start / 60 % Int64(Self.minuteBuckets))]
            let counted = bucket.start == start
            return Minute(start: Date(timeIntervalSince1970: TimeInterval(start)), requests: counted ? Int(bucket.requests) : 0,
                          serverErrors: counted ? Int(bucket.serverErrors) : 0)
        }
    }
}
