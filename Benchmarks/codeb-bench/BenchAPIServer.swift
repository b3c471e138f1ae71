import AsyncHTTPClient
import Controller
import Drivers
import Foundation
import MCPEndpoint
import ServiceLifecycle
import Spec
import State
import TestSupport

/// The controller for the benchmarks, started as `codeb controller` starts it: a
/// `ControllerDaemon` (with `/mcp`) on a loopback port, plus a member key of team `bench` and a
/// client of its own. Without `caddy` it serves the API alone (no reconcile loop), so an API
/// benchmark measures the API; with it, the whole daemon drives the real dockerd and that Caddy.
struct BenchAPIServer {
    let daemon: ControllerDaemon
    let port: Int
    let key: String
    let client: HTTPClient
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    var base: String { "http://127.0.0.1:\(port)" }
    var store: any Store { daemon.backend.store }

    /// A daemon over a fresh state directory, or over `databaseURL`'s PostgreSQL.
    static func start(
        databaseURL: String? = nil, caddy: CaddyInstance? = nil, switching: SwitchSetting = .auto, sharedObservation: Bool = true
    ) async throws -> BenchAPIServer {
        var configuration = ControllerDaemon.Configuration()
        configuration.listenPort = FreePort.next()
        configuration.stateDirectory = NSTemporaryDirectory() + "codeb-bench-" + UUID().uuidString.prefix(8)
        configuration.databaseURL = databaseURL
        configuration.extensions = [MCPEndpoint()]
        configuration.reconcile = caddy != nil
        configuration.switching = switching
        configuration.sharedObservation = sharedObservation
        configuration.secretKeyFile = configuration.stateDirectory + "/secret.key"
        if let caddy {
            configuration.caddyConfig = caddy.caddyfile
            configuration.caddySites = caddy.sitesDirectory
            configuration.caddyAdmin = caddy.admin
            configuration.caddyHTTPPort = caddy.httpPort
            // A Caddy issuing from pebble: automatic HTTPS on its ports, checks trusting pebble's root.
            configuration.caddyHTTPSPort = caddy.httpsPort
            configuration.tlsCAFile = caddy.acme?.rootPath
            configuration.accessLogDirectory = caddy.directory + "/access-logs"
        }
        let daemon = try ControllerDaemon(configuration)
        let group = daemon.serviceGroup()
        let running = Task { try await group.run() }
        let port = configuration.listenPort
        _ = try await eventually("the bench controller") { try await httpGet("http://127.0.0.1:\(port)/healthz").status == 200 ? true : nil }
        let (key, _) = try await Authenticator(keys: daemon.backend.keys).createKey(team: try ResourceName(parsing: "bench"), role: .member, name: "bench", createdBy: "bench")
        return BenchAPIServer(daemon: daemon, port: port, key: key.text, client: HTTPClient(eventLoopGroupProvider: .singleton), group: group, running: running)
    }

    /// Runs `body` with a controller on `caddy`, then stops it and removes the containers of
    /// `keys`, whether `body` finished or threw.
    static func with(
        caddy: CaddyInstance, switching: SwitchSetting, removing keys: [EnvironmentKey], _ body: (BenchAPIServer) async throws -> Void
    ) async throws {
        let server = try await start(caddy: caddy, switching: switching)
        do {
            try await body(server)
        } catch {
            await server.stop()
            await ControllerBench.removeContainers(of: keys)
            throw error
        }
        await server.stop()
        await ControllerBench.removeContainers(of: keys)
    }

    /// A one-environment spec whose `ROUND` variable makes every round a new revision.
    static func spec(_ project: String, round: String) -> String {
        """
        project: \(project)
        team: bench
        image: codeb-test/web:1
        port: 8080
        env: { ROUND: "\(round)" }
        environments:
          production: { domains: [\(project).test] }

        """
    }

    /// Stops the daemon gracefully (the reconcile loop drains first) and waits for it.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await running.result
        try? await client.shutdown()
    }
}
