import Metrics
import State

extension Timer {
    /// Records the time since `start` (a `ContinuousClock` instant).
    public func recordInterval(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
