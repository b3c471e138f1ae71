import Metrics
import State

/// `codeb_store_seconds{op,store}`: how long the stores' reads and writes take, by kind.
public enum StoreMetrics {
    public static func timed<T>(_ op: String, _ store: String, _ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        defer { record(op, store, since: started) }
        return try await body()
    }

    /// The same for a store whose work does not suspend (the file store, an actor).
    public static func timed<T>(_ op: String, _ store: String, _ body: () throws -> T) rethrows -> T {
        let started = ContinuousClock.now
        defer { record(op, store, since: started) }
        return try body()
    }

    private static func record(_ op: String, _ store: String, since started: ContinuousClock.Instant) {
        Timer(label: MetricFamily.storeSeconds.name, dimensions: [("op", op), ("store", store)]).recordInterval(since: started)
    }
}
