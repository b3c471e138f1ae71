import Support
import Synchronization
import Testing

@Suite("Deadline")
struct DeadlineTests {
    struct Late: Error {}

    /// PostgresNIO traps on a connection released open: one that opens after its caller gave up
    /// must reach `abandoned` to be closed.
    @Test func aValueThatArrivesAfterTheDeadlineIsHandedToAbandoned() async throws {
        let (stream, handed) = AsyncStream<Int>.makeStream()
        await #expect(throws: Late.self) {
            try await withDeadline(.milliseconds(20), timeout: { Late() }, abandoned: { (value: Int) in
                handed.yield(value)
                handed.finish()
            }) {
                // Ignores cancellation, as a connect in flight does.
                try? await Task.sleep(for: .milliseconds(200))
                return 7
            }
        }
        var iterator = stream.makeAsyncIterator()
        let abandoned = await iterator.next()
        #expect(abandoned == 7)
    }

    @Test func aValueInTimeIsReturnedAndNotAbandoned() async throws {
        let abandoned = Atomic<Int>(0)
        let value = try await withDeadline(.seconds(30), timeout: { Late() }, abandoned: { _ in
            abandoned.add(1, ordering: .relaxed)
        }) { 7 }
        #expect(value == 7)
        #expect(abandoned.load(ordering: .relaxed) == 0)
    }
}
