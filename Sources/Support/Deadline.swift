import State
import Synchronization

/// Runs `body` in its own task and returns its result, or throws `timeout()` once `duration` has
/// passed — without waiting for `body`, which is cancelled and left to finish on its own. A task
/// group would wait for it: a call stuck on a dead connection must not hold its caller.
///
/// A value `body` produces after the race was lost (the deadline passed or the caller was
/// cancelled) reaches nobody; `abandoned` gets it so a resource such as a connection can be
/// closed rather than dropped open.
public func withDeadline<T: Sendable>(
    _ duration: Duration, timeout: @escaping @Sendable () -> any Error,
    abandoned: (@Sendable (T) async -> Void)? = nil,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    let work = Task {
        do {
            let value = try await body()
            if !race.finish(.success(value)) { await abandoned?(value) }
        } catch {
            race.finish(.failure(error))
        }
    }
    let timer = Task {
        try? await Task.sleep(for: duration)
        race.finish(.failure(timeout()))
    }
    defer {
        work.cancel()
        timer.cancel()
    }
    return try await withTaskCancellationHandler {
        try await race.value()
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of several outcomes wins; `value()` waits for it.
final class DeadlineRace<T: Sendable>: Sendable {
    private let state = Mutex<(result: Result<T, any Error>?, waiter: CheckedContinuation<T, any Error>?)>((nil, nil))

    /// Whether `result` was the first, and so the one `value()` returns.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (won, waiter) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?) in
            guard state.result == nil else { return (false, nil) }
            state.result = result
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(with: result)
        return won
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<T, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
