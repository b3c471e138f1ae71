import AsyncHTTPClient
import Controller
import Drivers
import Hummingbird
import Spec
import TestSupport

/// The controller's API on loopback for the benchmarks, with a member key of team `bench` and a
/// client of its own. With `reconciler` the API reports its events and dry-run plans; the
/// caller runs (and stops) the reconcile loop itself.
struct BenchAPIServer {
    let port: Int
    let key: String
    let client: HTTPClient
    private let server: Task<Void, any Error>

    var base: String { "http://127.0.0.1:\(port)" }

    static func start(store: any Store, keys: any KeyStore, reconciler: Reconciler? = nil) async throws -> BenchAPIServer {
        let api = ControllerAPI(store: store, keys: keys, reconciler: reconciler)
        let port = FreePort.next()
        let app = Application(router: api.routes(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let server = Task { try await app.runService() }
        _ = try await eventually("the bench API") { try await httpGet("http://127.0.0.1:\(port)/healthz").status == 200 ? true : nil }
        let (key, _) = try await Authenticator(keys: keys).createKey(team: try ResourceName(parsing: "bench"), role: .member, name: "bench", createdBy: "bench")
        return BenchAPIServer(port: port, key: key.text, client: HTTPClient(eventLoopGroupProvider: .singleton), server: server)
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

    func stop() {
        server.cancel()
        _ = client.shutdown()
    }
}
