import Foundation

/// Runs blocking work (a socket `recv`, a `waitUntilExit`) on a thread of its own: on the
/// cooperative pool (two threads on a 2-core machine) it would stall every other test's tasks.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
