import Foundation

/// Where the controller reads the time, so tests can move it by hand.
public protocol TimeSource: Sendable {
    func now() -> Date
    /// Waits `duration` on this clock (a drain before a container stops).
    func sleep(for duration: Duration) async throws
}

extension TimeSource {
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

/// The system's wall clock.
public struct SystemTime: TimeSource {
    public init() {}
    public func now() -> Date { Date() }
}
