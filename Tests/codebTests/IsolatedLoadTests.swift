import AsyncHTTPClient
import Controller
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// 50 concurrent clients for 60 s (`CODEB_LOAD_SECONDS`) against a real controller: applying,
/// reading status and streaming events. No request may fail, every accepted apply must be a
/// revision in the history, and the controller's memory must stay flat. It loads the machine,
/// so it runs alone (an `Isolated` suite).
///
/// Two appliers roll out real containers (alternating versions); eight apply to projects
/// placed on another node (`nodes: [elsewhere]`), which exercises the API, store and planner
/// without starting hundreds of containers; twenty read status and history; twenty follow the
/// event stream.
extension Isolated {
@Suite(.timeLimit(.minutes(4)))
struct LoadTests {
    final class Tally: Sendable {
        let errors = Mutex<[String]>([])
        let accepted = Mutex<[String: Set<Int>]>([:])
        let requests = Atomic<Int>(0)
        let events = Atomic<Int>(0)

        func fail(_ message: String) { errors.withLock { if $0.count < 20 { $0.append(message) } } }
    }

    static func spec(project: String, version: Int, round: Int, elsewhere: Bool) -> String {
        """
        project: \(project)
        team: acme
        image: codeb-test/web:\(version)
        port: 8080
        env: { ROUND: "\(round)" }
        resources: { memory: 64m, cpus: 0.5 }
        healthcheck: { interval: 200ms, timeout: 1s, healthyThreshold: 1, deadline: 30s }
        stopTimeout: 1s
        \(elsewhere ? "nodes: [elsewhere]" : "")
        environments:
          staging: { domains: [\(project).test] }

        """
    }

    @Test func fiftyClientsForAMinuteLoseNothing() async throws {
        let seconds = Double(ProcessInfo.processInfo.environment["CODEB_LOAD_SECONDS"] ?? "") ?? 60
        try await CaddyInstance.run { caddy in
            let prefix = "load" + UUID().uuidString.prefix(6).lowercased()
            let directory = NSTemporaryDirectory() + "codeb-isolated-" + prefix
            let (controller, environment) = try await ControllerCLITests.FaultTests.controller(caddy, directory, arguments: ["--node", "here"])
            Cleanup.add { for index in 0..<2 { await ControllerCLITests.removeContainers("\(prefix)-\(index)") } }
            defer {
                if controller.isRunning { controller.terminate() }
            }
            let server = environment["CODEB_SERVER"]!, token = environment["CODEB_TOKEN"]!
            let tally = Tally()
            let end = ContinuousClock.now + .seconds(seconds)
            let pid = controller.processIdentifier
            // One connection per client: the shared client's pool (8 per host) would queue them.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(600), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            defer { _ = http.shutdown() }

            @Sendable func send(_ method: HTTPMethod, _ path: String, body: String? = nil) async -> (Int, String)? {
                var request = HTTPClientRequest(url: server + path)
                request.method = method
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                if let body {
                    request.headers.add(name: "Content-Type", value: "application/yaml")
                    request.body = .bytes(ByteBuffer(string: body))
                }
                do {
                    let response = try await http.execute(request, timeout: .seconds(30))
                    let text = String(buffer: try await response.body.collect(upTo: 8 << 20))
                    tally.requests.add(1, ordering: .relaxed)
                    return (Int(response.status.code), text)
                } catch {
                    tally.fail("\(method) \(path): \(error)")
                    return nil
                }
            }

            var samples: [Int] = []
            // The event streams on plain sockets: closing one is what ends it, whatever the
            // client library would do with a quiet stream (it hung, now and then, at the end).
            let port = Int(server.split(separator: ":").last ?? "") ?? 0
            let streams = try (0..<20).map { _ in try EventStreamReader(port: port, token: token) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<10 {
                    group.addTask {
                        let project = "\(prefix)-\(client)"
                        var round = 0
                        while ContinuousClock.now < end {
                            let spec = Self.spec(project: project, version: round % 2 + 1, round: round, elsewhere: client >= 2)
                            guard let (status, text) = await send(.POST, "/v1/apply", body: spec) else { continue }
                            if status == 202, let result = try? JSONDecoder().decode(ApplyResult.self, from: Data(text.utf8)) {
                                tally.accepted.withLock { $0[project, default: []].formUnion(result.environments.map(\.revision)) }
                            } else {
                                tally.fail("apply \(project): HTTP \(status): \(text.prefix(200))")
                            }
                            round += 1
                            // The two real rollouts apply every 2 s, the others 5 times a second
                            // (every apply is a revision kept in the history).
                            try await Task.sleep(for: client < 2 ? .seconds(2) : .milliseconds(200))
                        }
                    }
                }
                for client in 0..<20 {
                    group.addTask {
                        while ContinuousClock.now < end {
                            let path = client.isMultiple(of: 2) ? "/v1/projects" : "/v1/projects/\(prefix)-\(client % 10)/environments/staging/history"
                            guard let (status, text) = await send(.GET, path) else { continue }
                            // A project whose first apply has not landed yet is a 404, not a failure.
                            if status != 200, !(status == 404 && path.hasSuffix("history")) {
                                tally.fail("GET \(path): HTTP \(status): \(text.prefix(200))")
                            }
                        }
                    }
                }
                // Memory, every 2 s, from the kernel's view of the process.
                while ContinuousClock.now < end {
                    samples.append(ProcessStats.residentKiB(pid))
                    try await Task.sleep(for: .seconds(2))
                }
                try await group.waitForAll()
            }
            for stream in streams { stream.stop() }
            for stream in streams {
                if let failure = stream.failure { tally.fail("events: \(failure)") }
                tally.events.add(stream.chunks.load(ordering: .relaxed), ordering: .relaxed)
            }

            let errors = tally.errors.withLock { $0 }
            #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")
            #expect(controller.isRunning)
            let accepted = tally.accepted.withLock { $0 }
            #expect(accepted.count == 10, "every applier got applies through")
            for (project, revisions) in accepted.sorted(by: { $0.key < $1.key }) {
                guard let (status, text) = await send(.GET, "/v1/projects/\(project)/environments/staging/history") else { continue }
                #expect(status == 200)
                let history = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
                let numbers = Set(history.compactMap { $0["number"] as? Int })
                #expect(revisions.isSubset(of: numbers), "\(project): accepted revisions missing from the history: \(revisions.subtracting(numbers).sorted())")
                #expect(numbers == Set(1...(numbers.max() ?? 0)), "\(project): revision numbers have gaps")
            }
            let settled = samples.dropFirst(samples.count / 3)
            let first = settled.first ?? 0, last = settled.suffix(3).max() ?? 0
            print("[load] \(tally.requests.load(ordering: .relaxed)) requests, \(tally.events.load(ordering: .relaxed)) event chunks, \(accepted.values.map(\.count).reduce(0, +)) applies in \(Int(seconds)) s; RSS KiB \(samples)")
            #expect(last <= first + first / 2 + 16 * 1024, "memory flat after warm-up: \(first) KiB → \(last) KiB")
            controller.terminate()
            controller.waitUntilExit()
            #expect(controller.terminationStatus == 0)
            for index in 0..<2 { await ControllerCLITests.removeContainers("\(prefix)-\(index)") }
        }
    }
}
}

/// `GET /v1/events?follow=1` on a blocking socket read by its own thread, counting chunks,
/// until `stop()` shuts the socket down.
final class EventStreamReader: Sendable {
    private let descriptor: Int32
    let chunks = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)
    private let problem = Mutex<String?>(nil)

    var failure: String? { problem.withLock { $0 } }

    init(port: Int, token: String) throws {
        guard case .success(let descriptor) = Loopback.connect(port: port) else {
            throw ControllerCLITests.FaultTests.CommandFailed(description: "cannot open an event stream on port \(port)")
        }
        self.descriptor = descriptor
        let request = Array("GET /v1/events?follow=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            close(descriptor)
            throw ControllerCLITests.FaultTests.CommandFailed(description: "cannot open an event stream on port \(port)")
        }
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var first = true
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                if first, !buffer.starts(with: Array("HTTP/1.1 200".utf8)) {
                    problem.withLock { $0 = String(decoding: buffer.prefix(min(count, 80)), as: UTF8.self) }
                }
                first = false
                chunks.add(1, ordering: .relaxed)
            }
            finished.store(true, ordering: .sequentiallyConsistent)
        }
    }

    /// Ends the stream: the reading thread sees end-of-file, then the socket is closed.
    func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        let deadline = Date().addingTimeInterval(5)
        while !finished.load(ordering: .sequentiallyConsistent), Date() < deadline { usleep(1000) }
        close(descriptor)
    }
}
