import Metrics
import State

extension Timer {
    /// Records the time since `start` (a `ContinuousClock` instant).
    public func recordInterval(since start: ContinuousClock.Instant) {
        recordNanoseconds((ContinuousClock.now - start).inNanoseconds)
    }
}

/// `codeb_store_seconds{op,store}`: how long the store's reads and writes take, by kind.
public enum StoreMetrics {
    public static func timed<T>(_ op: String, _ store: String, _ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        defer { Timer(label: "codeb_store_seconds", dimensions: [("op", op), ("store", store)]).recordInterval(since: started) }
        return try await body()
    }
}
