import Controller
import Drivers
import Foundation
import Spec
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// The daemon as a library: started in-process from a configuration, as `codeb controller`
/// starts it, against the real dockerd and a private Caddy.
@Suite(.timeLimit(.minutes(2)))
struct ControllerDaemonTests {
    /// A daemon started in-process on a private Caddy with `configure`d settings, until `body`
    /// returns; then stopped gracefully (which must succeed).
    static func withDaemon(
        _ configure: (inout ControllerDaemon.Configuration) -> Void = { _ in },
        _ body: (_ base: String, _ configuration: ControllerDaemon.Configuration) async throws -> Void
    ) async throws {
        try await CaddyInstance.run { caddy in
            var configuration = ControllerDaemon.Configuration()
            configuration.ports = TestPorts.ranges
            configuration.listenPort = FreePort.next()
            configuration.stateDirectory = NSTemporaryDirectory() + "codeb-daemon-" + UUID().uuidString.prefix(8).lowercased()
            configuration.caddyConfig = caddy.caddyfile
            configuration.caddySites = caddy.sitesDirectory
            configuration.caddyAdmin = caddy.admin
            configuration.caddyHTTPPort = caddy.httpPort
            configure(&configuration)
            defer { try? FileManager.default.removeItem(atPath: configuration.stateDirectory) }
            let daemon = try ControllerDaemon(configuration, metrics: { "# metrics\n" })
            let group = daemon.serviceGroup()
            let stopped = Mutex<String?>(nil)
            let running = Task {
                do { try await group.run() } catch {
                    stopped.withLock { $0 = "\(error)" }
                    throw error
                }
            }
            let base = "http://127.0.0.1:\(configuration.listenPort)"
            // Patient (a loaded suite has taken 40 s to bring Caddy and the daemon up), but a
            // daemon that stopped is said at once, with its error.
            _ = try await eventually("/healthz", within: .seconds(90)) {
                if let error = stopped.withLock({ $0 }) { throw DaemonStopped(description: error) }
                return try await httpGet(base + "/healthz").status == 200 ? true : nil
            }
            do {
                try await body(base, configuration)
            } catch {
                await group.triggerGracefulShutdown()
                _ = try? await running.value
                throw error
            }
            await group.triggerGracefulShutdown()
            try await running.value
            await #expect(throws: (any Error).self) { try await httpGet(base + "/healthz") }
        }
    }

    @Test func aConfiguredDaemonServesReadinessAndStopsGracefully() async throws {
        try await Self.withDaemon { base, _ in
            let ready = try await eventually("/readyz") { () -> String? in
                let answer = try await httpGet(base + "/readyz")
                return answer.status == 200 ? answer.body : nil
            }
            #expect(ready.contains("docker") && ready.contains("caddy"), "\(ready)")
            // Patient: a loaded suite has kept a single answer past 2 s.
            #expect(try await httpGet(base + "/metrics", timeout: .seconds(15)).body.hasPrefix("# metrics"))
            #expect(try await httpGet(base + "/v1/projects", timeout: .seconds(15)).status == 401, "the API is behind the keys")
        }
    }

    /// Anyone who can reach the API's port can open connections: one that never finishes its
    /// request, or sends nothing, is closed after the idle timeout; a key follows at most its
    /// share of streams.
    @Test func slowAndSilentClientsAreCutAndAKeysFollowersAreCapped() async throws {
        try await Self.withDaemon({ $0.apiIdleTimeout = .seconds(1); $0.streamsPerKey = 2; $0.streamHeartbeat = .milliseconds(300) }) { _, configuration in
            let port = configuration.listenPort
            let partial = try Loopback.connect(port: port, timeoutSeconds: 10).get()
            defer { close(partial) }
            _ = "GET /healthz HTTP/1.1\r\nHost: codeb\r\nX-Slow: ".withCString { send(partial, $0, strlen($0), 0) }
            let silent = try Loopback.connect(port: port, timeoutSeconds: 10).get()
            defer { close(silent) }
            let started = ContinuousClock.now
            for fd in [partial, silent] {
                let read = try await offPool { var byte: UInt8 = 0; return recv(fd, &byte, 1, 0) }
                #expect(read == 0, "closed by the server (not left open until the client's 10 s timeout)")
            }
            #expect(ContinuousClock.now - started < .seconds(8))

            let keys = try FileKeyStore(directory: configuration.stateDirectory)
            let key = try await Authenticator(keys: keys).createKey(team: try ResourceName(parsing: "acme"), role: .viewer, name: "follower", createdBy: "t").key.text
            @Sendable func follow() async throws -> (Int32, String) { try await offPool { try followNow() } }
            @Sendable func followNow() throws -> (Int32, String) {
                let fd = try Loopback.connect(port: port, timeoutSeconds: 10).get()
                _ = "GET /v1/events?follow=1 HTTP/1.1\r\nHost: codeb\r\nAuthorization: Bearer \(key)\r\n\r\n".withCString { send(fd, $0, strlen($0), 0) }
                var head = [UInt8](), byte: UInt8 = 0
                while recv(fd, &byte, 1, 0) == 1 {
                    head.append(byte)
                    if head.suffix(4) == Array("\r\n\r\n".utf8) { break }
                }
                return (fd, String(decoding: head, as: UTF8.self))
            }
            let first = try await follow(), second = try await follow()
            defer { close(first.0); close(second.0) }
            #expect(first.1.hasPrefix("HTTP/1.1 200") && second.1.hasPrefix("HTTP/1.1 200"), "\(first.1)\(second.1)")
            let third = try await follow()
            #expect(third.1.hasPrefix("HTTP/1.1 429"), "a third follower of one key is refused: \(third.1)")
            // A quiet stream gets heartbeats; a follower whose client went away is noticed at the
            // next one, and its slot is free again.
            let streamed = second.0
            let received = try await offPool { () -> String in
                var received = [UInt8](), byte: UInt8 = 0
                while recv(streamed, &byte, 1, 0) == 1 {
                    received.append(byte)
                    if String(decoding: received, as: UTF8.self).contains(": keep-alive") { break }
                }
                return String(decoding: received, as: UTF8.self)
            }
            #expect(received.contains(": keep-alive"), "a heartbeat on a quiet stream")
            close(third.0)
            shutdown(second.0, Int32(SHUT_RDWR))
            let again = try await eventually("the gone follower's slot to be free", within: .seconds(10)) { () -> (Int32, String)? in
                let attempt = try await follow()
                if attempt.1.hasPrefix("HTTP/1.1 200") { return attempt }
                close(attempt.0)
                return nil
            }
            defer { close(again.0) }
            // An idle follower is a response in progress, not an idle connection: still open past
            // the idle timeout, and still getting heartbeats.
            try await Task.sleep(for: .seconds(2))
            let open = first.0
            let read = try await offPool { var chunk = [UInt8](repeating: 0, count: 4096); return recv(open, &chunk, chunk.count, 0) }
            #expect(read > 0, "the stream was not cut while it waits for events")
        }
    }
}

struct DaemonStopped: Error, CustomStringConvertible {
    let description: String
}
