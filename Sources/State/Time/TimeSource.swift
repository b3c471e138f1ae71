import Foundation

/// Where the controller reads the time, so tests can move it by hand.
public protocol TimeSource: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemTime: TimeSource {
    public init() {}
    public func now() -> Date { Date() }
}
