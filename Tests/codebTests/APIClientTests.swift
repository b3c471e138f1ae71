import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing

/// How the CLI words what went wrong between it and the controller.
@Suite struct APIClientTests {
    /// A controller that stops in the middle of an answer: the CLI says the connection closed
    /// and what may have happened, not that the answer is in another codeb's words.
    @Test func anAnswerCutShortSaysTheConnectionClosedNotThatItIsUnreadable() async throws {
        let router = Router()
        router.get("/v1/projects") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: #"[{"project": "sh"#))
                throw CancellationError()
            })
        }
        let port = Mutex<Int?>(nil)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            port.withLock { $0 = channel.localAddress?.port }
        })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            // Patient: at a fresh clone's start two cores run every suite's first tests at once
            // (pure value tests were seen taking 19 s there), and this server needs a turn.
            let deadline = ContinuousClock.now + .seconds(120)
            while port.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let bound = try #require(port.withLock { $0 })
            let result = try await CLI.run(["status", "--server", "http://127.0.0.1:\(bound)", "--token", "codeb_acme_viewer_" + String(repeating: "0", count: 40)])
            #expect(result.status != 0)
            #expect(result.stderr.contains("the connection closed in the middle") && !result.stderr.contains("does not understand"), "\(result.stderr)")
            group.cancelAll()
        }
    }
}
