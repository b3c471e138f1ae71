import Controller
import Drivers
import Foundation
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// The daemon as a library: started in-process from a configuration, as `codeb controller`
/// starts it, against the real dockerd and a private Caddy.
@Suite(.timeLimit(.minutes(2)))
struct ControllerDaemonTests {
    @Test func aConfiguredDaemonServesReadinessAndStopsGracefully() async throws {
        try await CaddyInstance.run { caddy in
            var configuration = ControllerDaemon.Configuration()
            configuration.ports = TestPorts.ranges
            configuration.listenPort = FreePort.next()
            configuration.stateDirectory = NSTemporaryDirectory() + "codeb-daemon-" + UUID().uuidString.prefix(8).lowercased()
            configuration.caddyConfig = caddy.caddyfile
            configuration.caddySites = caddy.sitesDirectory
            configuration.caddyAdmin = caddy.admin
            configuration.caddyHTTPPort = caddy.httpPort
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
            let ready = try await eventually("/readyz") { () -> String? in
                let answer = try await httpGet(base + "/readyz")
                return answer.status == 200 ? answer.body : nil
            }
            #expect(ready.contains("docker") && ready.contains("caddy"), "\(ready)")
            // Patient: a loaded suite has kept a single answer past 2 s.
            #expect(try await httpGet(base + "/metrics", timeout: .seconds(15)).body.hasPrefix("# metrics"))
            #expect(try await httpGet(base + "/v1/projects", timeout: .seconds(15)).status == 401, "the API is behind the keys")
            await group.triggerGracefulShutdown()
            try await running.value
            await #expect(throws: (any Error).self) { try await httpGet(base + "/healthz") }
        }
    }
}

struct DaemonStopped: Error, CustomStringConvertible {
    let description: String
}
