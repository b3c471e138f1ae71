@testable import Controller
import Testing
import TestSupport

/// Followed logs and events: at most so many per key and in all; a slot comes back when its
/// stream ends, however it ends (released, or its response dropped unsent).
@Suite struct StreamLimiterTests {
    @Test func aKeyGetsItsShareAndTheControllerItsTotal() throws {
        let limiter = StreamLimiter(perKey: 2, total: 3)
        let a1 = try limiter.acquire("a").get(), a2 = try limiter.acquire("a").get()
        let refused = limiter.acquire("a")
        guard case .failure(let perKey) = refused else { Issue.record("a third stream of one key"); return }
        #expect(perKey.status == .tooManyRequests && perKey.code == "too_many_streams" && perKey.message.contains("at most 2"))
        let b1 = try limiter.acquire("b").get()
        guard case .failure(let total) = limiter.acquire("c") else { Issue.record("a fourth stream in all"); return }
        #expect(total.message.contains("at most 3"))
        a1.release()
        a1.release()  // once only
        #expect(limiter.count == 2)
        #expect((try? limiter.acquire("c").get()) != nil)
        _ = (a2, b1)
    }

    @Test func aPermitNeverReleasedByHandIsReleasedWhenDropped() throws {
        let limiter = StreamLimiter(perKey: 1, total: 1)
        do { _ = try limiter.acquire("a").get() }
        #expect(limiter.count == 0, "a response that was never sent gives its slot back")
        #expect((try? limiter.acquire("a").get()) != nil)
    }

    /// A follower that reads slower than its stream fills: at most `capacity` items are held,
    /// then the stream ends and says it overflowed (the API sends a last `overflow` event).
    @Test func aSlowReaderIsCutNotBufferedWithoutBound() async throws {
        let (source, feed) = AsyncStream<Int>.makeStream()
        let stream = ControllerAPI.endingAtShutdown(source, capacity: 10)
        for number in 0..<5_000 { feed.yield(number) }
        feed.finish()
        // Nothing read yet: the stream fills and gives up on its own.
        _ = try await eventually("the stream to overflow") { stream.overflowed ? true : nil }
        var received = 0
        for try await item in stream.values {
            if case .element = item { received += 1 }
        }
        #expect(received <= 10, "\(received) held")
        #expect(stream.overflowed)
    }

    @Test func aQuietStreamGetsHeartbeats() async throws {
        let (source, feed) = AsyncStream<Int>.makeStream()
        let stream = ControllerAPI.endingAtShutdown(source, heartbeat: .milliseconds(20))
        var beats = 0
        for try await item in stream.values {
            if case .heartbeat = item { beats += 1 }
            if beats == 3 { break }
        }
        feed.finish()
        #expect(beats == 3 && !stream.overflowed)
    }
}
