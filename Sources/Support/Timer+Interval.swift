import Metrics
import State

extension Timer {
    /// Records the time since `start` (a `ContinuousClock` instant).
    public func recordInterval(since start: ContinuousClock.Instant) {
        recordNanoseconds((ContinuousClock.now - start).inNanoseconds)
    }
}
