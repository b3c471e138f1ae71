import Foundation
import State
import Synchronization

/// A `TimeSource` that moves only when told to, for simulations and tables.
public final class ManualClock: TimeSource {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    /// Returns at once, the clock moved on by `duration`: a simulation does not wait.
    public func sleep(for duration: Duration) async throws {
        advance(by: duration.inSeconds)
    }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0.addTimeInterval(seconds) }
    }
}
