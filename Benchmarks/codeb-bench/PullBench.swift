import AsyncHTTPClient
import Controller
import Drivers
import Foundation
import NIOCore
import Spec
import State
import TestSupport

/// Figure 7: apply → served for an image that must be pulled from the private registry (the
/// docker-registry `.ci/setup` starts, with a login), the pull shown apart from start + health,
/// beside the engine's own pull of an equal image measured in the same run.
struct PullBench {
    static let rounds = 8
    /// Each image carries this many random bytes, so its layer is new to the engine every time.
    static let blobBytes = 8 << 20

    static func run(_ caddy: CaddyInstance) async throws {
        try await TestRegistry.check()
        let stem = "pull" + UUID().uuidString.prefix(6).lowercased()
        // A new environment each round: nothing to evict first, so apply → pulled is the pull
        // and the controller's way to it, not the removal of an older slot.
        let projects = (0..<rounds).map { "\(stem)r\($0)" }
        let keys = try projects.map { EnvironmentKey(project: try ResourceName(parsing: $0), environment: .production) }
        try await BenchAPIServer.with(caddy: caddy, switching: .file, removing: keys) { server in
            try await measure(server, projects: projects, keys: keys, caddy: caddy)
        }
    }

    static func measure(_ server: BenchAPIServer, projects: [String], keys: [EnvironmentKey], caddy: CaddyInstance) async throws {
        guard let vault = server.daemon.api.vault else { throw BenchFailure("the bench controller has no secret key") }
        let host = try RegistryHost(parsing: TestRegistry.host)
        try await vault.login(team: try ResourceName(parsing: "bench"), host: host, username: TestRegistry.username, password: TestRegistry.password, author: "bench")
        let docker = DockerRuntime()
        let auth = RegistryAuth(username: TestRegistry.username, password: TestRegistry.password, server: TestRegistry.host)
        var floor: [Double] = [], totals: [Double] = [], pulls: [Double] = [], rest: [Double] = []
        for round in 0..<rounds {
            let project = projects[round], key = keys[round]
            // The floor: the engine pulling an equal, fresh image with the same login.
            let direct = "\(TestRegistry.host)/\(project)/floor:r\(round)"
            try await TestRegistry.importWebImage(direct, index: "floor \(round)\n", blob: randomBytes(blobBytes))
            try await TestRegistry.pushLocal(direct)
            let start = ContinuousClock.now
            _ = try await docker.pull(direct, auth: auth, progress: nil)
            floor.append(seconds(ContinuousClock.now - start))
            try await TestRegistry.removeLocal(direct)

            let image = "\(TestRegistry.host)/\(project)/web:r\(round)"
            let index = "codeb-test web pull\(round)\n"
            try await TestRegistry.importWebImage(image, index: index, blob: randomBytes(blobBytes))
            try await TestRegistry.pushLocal(image)
            let applied = Date()
            let t0 = ContinuousClock.now
            try await apply(server, try spec(project: project, image: image, round: round))
            let deadline = t0 + .seconds(120)
            while (try? await caddy.get("\(project).test"))?.body != index {
                guard ContinuousClock.now < deadline else { throw BenchFailure("\(image) was not served within 120 s") }
                try await Task.sleep(for: .milliseconds(1))
            }
            let total = seconds(ContinuousClock.now - t0)
            // The executor restarts the slot's deploy clock once the pull is done.
            guard let state = try await server.store.load(key), let revision = state.desired?.number,
                  let slot = state.slots.first(where: { $0.revision == revision }), let pulled = slot.deployedAt else {
                throw BenchFailure("round \(round): no deployed slot recorded for \(image)")
            }
            let pull = pulled.timeIntervalSince(applied)
            totals.append(total)
            pulls.append(pull)
            rest.append(total - pull)
        }
        let pull = Stats(pulls), engine = Stats(floor)
        print("8. apply → served for an image pulled from the private registry (docker-registry on loopback, htpasswd login; each image \(blobBytes >> 20) MiB of new layer)")
        print("   " + Stats(totals).line("apply → served"))
        print("   " + pull.line("  of which apply → pulled (the slot's deploy clock restarts after the pull)"))
        print("   " + Stats(rest).line("  of which pulled → served (create, start, health, switch)"))
        print("   " + engine.line("floor: the engine's own pull of an equal image (POST /images/create with X-Registry-Auth)"))
        print(String(format: "   ratio apply → pulled / floor = %.2f", pull.median / engine.median))
        print("")
    }

    /// The live benchmarks' spec with the pushed image.
    static func spec(project: String, image: String, round: Int) throws -> String {
        try ControllerBench.benchSpecText(project: project, version: 1, round: round).replacingOccurrences(of: "codeb-test/web:1", with: image)
    }

    static func apply(_ server: BenchAPIServer, _ yaml: String) async throws {
        var request = HTTPClientRequest(url: server.base + "/v1/apply")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(server.key)")
        request.headers.add(name: "Content-Type", value: "application/yaml")
        request.body = .bytes(ByteBuffer(string: yaml))
        let response = try await server.client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code < 300 else { throw BenchFailure("POST /v1/apply answered HTTP \(response.status.code)") }
    }

    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for index in words.indices { words[index] = generator.next() }
        return words.withUnsafeBytes { Data($0.prefix(count)) }
    }
}
