import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A webhook receiver on loopback for notification tests: records every POST (headers and
/// body) and answers with the statuses it is given in turn (then 200).
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public var headers: [String: String]
        public var body: Data

        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    /// The port the kernel gave it (bound to port 0: no race with other tests for a port).
    public let port: Int
    private let shared: Shared
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Starts it and waits until it listens; `answers` are the statuses of the first requests.
    /// With `location`, every answer carries that `Location` (a redirecting receiver); with
    /// `hold`, each answer waits that long first (a receiver that does not answer in time).
    public init(answers: [Int] = [], location: String? = nil, hold: Duration? = nil) async throws {
        let shared = Shared(answers: answers)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            shared.received.withLock { $0.append(Delivery(headers: headers, body: Data(buffer: body))) }
            let status = shared.answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            if let hold { try await Task.sleep(for: hold) }
            var response = Response(status: .init(code: status))
            if let location { response.headers[.location] = location }
            return response
        }
        let (listening, bound) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                bound.yield(channel.localAddress?.port ?? 0)
                bound.finish()
            },
            logger: Logger(label: "webhook-receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let server = Task {
            do { try await app.run() } catch { bound.finish() }
        }
        // A server that neither runs nor fails within 20 s ends the wait too.
        let deadline = Task {
            try? await Task.sleep(for: .seconds(20))
            bound.finish()
        }
        var port: Int?
        for await value in listening { port = value }
        deadline.cancel()
        guard let port, port > 0 else {
            server.cancel()
            throw WebhookReceiverError(description: "the webhook receiver did not start listening")
        }
        self.port = port
        self.shared = shared
        task.withLock { $0 = server }
    }

    public var url: String { "http://127.0.0.1:\(port)/hook" }

    public var deliveries: [Delivery] { shared.received.withLock { $0 } }

    /// What the handler and the test share: the statuses still to give and what came in.
    private final class Shared: Sendable {
        let answers: Mutex<[Int]>
        let received = Mutex<[Delivery]>([])

        init(answers: [Int]) {
            self.answers = Mutex(answers)
        }
    }

    public struct WebhookReceiverError: Error, CustomStringConvertible {
        public let description: String
    }

    public func stop() {
        task.withLock { $0?.cancel() }
    }
}
