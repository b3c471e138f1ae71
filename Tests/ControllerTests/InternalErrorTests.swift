@testable import Controller
import Foundation
import Logging
import Synchronization
import Testing

/// An error the API has no mapping for is answered as a sentence with an id; its text — which
/// may name paths, addresses or engine internals — goes to the log only, under that id.
@Suite struct InternalErrorTests {
    struct EngineFailure: Error, CustomStringConvertible {
        var description: String { "dial unix /var/run/docker.sock: connect to 10.3.4.5:2375 refused (container 3f2a9c of team rivals)" }
    }

    /// A log handler that keeps what it was given (for this test only).
    final class Captured: LogHandler, Sendable {
        let lines = Mutex<[(String, Logger.Metadata)]>([])
        var metadata: Logger.Metadata { get { [:] } set {} }
        var logLevel: Logger.Level { get { .trace } set {} }
        subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { nil } set {} }
        func log(event: LogEvent) {
            lines.withLock { $0.append(("\(event.message)", event.metadata ?? [:])) }
        }
    }

    @Test func anUnmappedErrorAnswersAnIdAndLogsTheDetailUnderIt() throws {
        let captured = Captured()
        let error = APIError.internalError(EngineFailure(), logger: Logger(label: "test", factory: { _ in captured }))
        #expect(error.status == .internalServerError && error.code == "internal")
        #expect(!error.message.contains("docker.sock") && !error.message.contains("10.3.4.5") && !error.message.contains("rivals"), "\(error.message)")
        let id = try #require(error.message.firstMatch(of: /error id ([0-9a-f]{12})/)?.1)
        let logged = try #require(captured.lines.withLock { $0.first })
        #expect(logged.1["error-id"] == .string(String(id)))
        #expect("\(logged.1["error"] ?? "")".contains("docker.sock"), "the operator gets the whole cause")
        #expect(APIError.from(EngineFailure()).message.contains("docker.sock") == false)
    }
}
