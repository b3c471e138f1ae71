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

    public let port: Int
    private let answers: Mutex<[Int]>
    private let received = Mutex<[Delivery]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Starts it; `answers` are the statuses of the first requests.
    public init(answers: [Int] = []) async throws {
        port = FreePort.next()
        self.answers = Mutex(answers)
        let router = Router()
        router.post("/hook") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            self.received.withLock { $0.append(Delivery(headers: headers, body: Data(buffer: body))) }
            let status = self.answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            return Response(status: .init(code: status))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: Logger(label: "webhook-receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        task.withLock { $0 = Task { try? await app.run() } }
        _ = try await eventually("the webhook receiver on \(port)") { FreePort.isFree(self.port) ? nil : true }
    }

    public var url: String { "http://127.0.0.1:\(port)/hook" }

    public var deliveries: [Delivery] { received.withLock { $0 } }

    public func stop() {
        task.withLock { $0?.cancel() }
    }
}
