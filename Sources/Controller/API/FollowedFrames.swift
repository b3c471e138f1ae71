import OpenAPIRuntime
import ServiceLifecycle

/// A followed stream (logs, events) as the bytes of a response body: `backlog` first, then a
/// frame per element (nil: the element is not the reader's), heartbeats as SSE comments, and
/// the overflow frame when the reader fell behind. A graceful shutdown ends it (a follower must
/// not hold up a stop; the client reconnects). Its stream slot (`permit`) is given back when
/// the stream ends and, at the latest, when the body is let go (a client that went away).
struct FollowedFrames<Item: Sendable>: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>

    let stream: ControllerAPI.EndableStream<Item>
    let permit: StreamLimiter.Permit
    var backlog: [String] = []
    /// The last frame when the reader was too slow; nil where the format has no such frame.
    let overflowFrame: String?
    let frame: @Sendable (Item) async throws -> String?

    func makeAsyncIterator() -> Iterator {
        Iterator(frames: self, backlog: backlog.makeIterator(), values: stream.values.makeAsyncIterator())
    }

    struct Iterator: AsyncIteratorProtocol {
        let frames: FollowedFrames
        var backlog: IndexingIterator<[String]>
        var values: AsyncThrowingStream<ControllerAPI.StreamItem<Item>, any Error>.AsyncIterator
        var ended = false

        mutating func next() async throws -> ArraySlice<UInt8>? {
            if let line = backlog.next() { return ArraySlice(line.utf8) }
            while !ended {
                let stream = frames.stream
                var values = self.values
                let item = try await withGracefulShutdownHandler {
                    try await values.next()
                } onGracefulShutdown: {
                    stream.end()
                }
                self.values = values
                switch item {
                case .element(let element):
                    if let text = try await frames.frame(element) { return ArraySlice(text.utf8) }
                case .heartbeat:
                    return ArraySlice(ControllerAPI.heartbeatFrame.utf8)
                case nil:
                    ended = true
                    frames.permit.release()
                    if stream.overflowed, let last = frames.overflowFrame { return ArraySlice(last.utf8) }
                }
            }
            return nil
        }
    }
}
