import Foundation
import Synchronization

/// Fans values out to every current subscriber; each gets its own `AsyncStream`, buffered so
/// a slow subscriber never blocks the publisher.
public final class ChangeFeed<Value: Sendable>: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<Value>.Continuation]>([:])

    public init() {}

    public func subscribe() -> AsyncStream<Value> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Value>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ value: Value) {
        let current = subscribers.withLock { Array($0.values) }
        for continuation in current { continuation.yield(value) }
    }
}
