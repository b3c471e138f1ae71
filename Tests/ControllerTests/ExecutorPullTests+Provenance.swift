@testable import Controller
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// An image in the engine's cache that reached it through a pull with one team's login starts
/// for another team only after that team pulled it itself (the docker.io case: no registry
/// named, so nothing else forces a pull). Built, loaded and anonymously pulled images are free.
extension ExecutorPullTests {
    static let privateImage = "acme/private:1"
    static let privateID = "sha256:" + String(repeating: "7e", count: 32)
}

extension ExecutorPullTests.World {
    /// `team`'s project `project` applied with `image`, its blue slot deployed; then its
    /// container created (the pull decision happens here). Throws what the rollout threw.
    func deploy(_ project: String, team: String, image: String = ExecutorPullTests.privateImage) async throws -> EnvironmentKey {
        let spec = try SpecLoader.load("project: \(project)\nteam: \(team)\nimage: \(image)\nport: 8080\nenvironments:\n  production: { domains: [\(project).test] }\n", file: "f")
        try await StateOperations(store: store, ports: TestPorts.ranges).apply(spec, environment: .production, author: "t")
        let key = EnvironmentKey(project: try ResourceName(parsing: project), environment: .production)
        let port = await store.load(key)?.ports.blue ?? 4100
        try await store.update(key) { state, _ in
            let hash = state?.desired?.hash
            state?.blue = SlotRecord(slot: .blue, state: .deployed, revision: 1, hash: hash, port: port, deployedAt: Date(timeIntervalSince1970: 1_000))
        }
        let container = ContainerSpec(
            name: "\(project)-production-blue", image: image,
            labels: [ManagedLabels.team: team, ManagedLabels.project: project, ManagedLabels.environment: "production",
                     ManagedLabels.slot: "blue", ManagedLabels.specHash: "sha256:x", ManagedLabels.revision: "1"],
            containerPort: 8080, hostPort: port, memoryBytes: 64 << 20, nanoCPUs: 500_000_000
        )
        try await executor.execute(Plan(actions: [.createContainer(slot: .blue, spec: container)]), for: key)
        return key
    }

    func login(_ team: String) async throws {
        try await vault.login(team: try ResourceName(parsing: team), host: try RegistryHost(parsing: "docker.io"), username: team, password: "pw", author: "t")
    }

    func started(_ project: String) -> Bool { runtime.containers.contains { $0.info.labels[ManagedLabels.project] == project } }
}

extension ExecutorPullTests {
    @Test func aPrivateImageAnotherTeamPulledWithItsLoginIsNotStartedFromTheCache() async throws {
        let host = try World()
        defer { try? FileManager.default.removeItem(atPath: host.keys) }
        host.runtime.setImage(Self.privateImage, id: nil)
        host.runtime.pullYields(Self.privateImage, id: Self.privateID)
        try await host.login("acme")
        _ = try await host.deploy("shop", team: "acme")
        #expect(host.runtime.pulls.count == 1 && host.runtime.pulls[0].auth?.username == "acme")
        #expect(host.provenance.snapshot.images[Self.privateID]?.teams == ["acme"])

        // The rivals have no login: the image is in the cache, yet they must pull it themselves,
        // anonymously, and the registry refuses them.
        host.runtime.failPulls(RuntimeError(.registryDenied, operation: "pull image \(Self.privateImage)", message: "pull access denied"))
        await #expect(throws: ExecutionError.self) { try await host.deploy("heist", team: "rivals") }
        #expect(host.runtime.pulls.count == 2 && host.runtime.pulls[1].auth == nil, "pulled anonymously, not started from the cache")
        #expect(!host.started("heist"), "acme's private image never ran for the rivals")
        let heist = try #require(await host.store.load(EnvironmentKey(project: try ResourceName(parsing: "heist"), environment: .production)))
        #expect(heist.blue.state == .failed && heist.blue.failure?.contains("wants a login") == true, "\(heist.blue.failure ?? "")")

        // Referring to it by the ID the cache resolves (no registry named either) changes nothing.
        host.runtime.setImage("7e7e7e7e7e7e", id: Self.privateID)
        await #expect(throws: ExecutionError.self) { try await host.deploy("byid", team: "rivals", image: "7e7e7e7e7e7e") }
        #expect(!host.started("byid"))
        #expect(host.provenance.snapshot.mayRun(imageID: Self.privateID, team: "acme"), "still acme's")
    }

    @Test func anImagePulledAnonymouslyOrBuiltHereIsFreeForEveryTeam() async throws {
        let host = try World()
        defer { try? FileManager.default.removeItem(atPath: host.keys) }
        // Built or loaded here: no record, no pull.
        host.runtime.setImage("codeb-test/web:1", id: "sha256:" + String(repeating: "0b", count: 32))
        _ = try await host.deploy("local", team: "rivals", image: "codeb-test/web:1")
        #expect(host.runtime.pulls.isEmpty && host.started("local"))

        // acme pulled it with its login; the rivals' anonymous pull succeeds (it is public):
        // from then on it is free, and a third team starts it from the cache.
        host.runtime.setImage(Self.privateImage, id: nil)
        host.runtime.pullYields(Self.privateImage, id: Self.privateID)
        try await host.login("acme")
        _ = try await host.deploy("shop", team: "acme")
        _ = try await host.deploy("mirror", team: "rivals")
        #expect(host.runtime.pulls.count == 2 && host.runtime.pulls[1].auth == nil)
        #expect(host.provenance.snapshot.images[Self.privateID]?.open == true)
        _ = try await host.deploy("third", team: "others")
        #expect(host.runtime.pulls.count == 2, "public now: started from the cache")
        #expect(host.started("mirror") && host.started("third"))
    }

    @Test(arguments: [
        (ImagePullLedger(), "acme", true),
        (ImagePullLedger(images: ["x": .init(teams: ["acme"])]), "acme", true),
        (ImagePullLedger(images: ["x": .init(teams: ["acme"])]), "rivals", false),
        (ImagePullLedger(images: ["x": .init(teams: ["acme"], open: true)]), "rivals", true),
        (ImagePullLedger(images: ["y": .init(teams: ["acme"])]), "rivals", true),
    ])
    func whoMayRunAnImageFromTheCache(_ ledger: ImagePullLedger, _ team: String, _ allowed: Bool) {
        #expect(ledger.mayRun(imageID: "x", team: team) == allowed)
    }

    @Test func thePullRecordIsKeptPrivateAcrossRestartsAndACorruptOneStopsTheStart() async throws {
        let directory = NSTemporaryDirectory() + "codeb-pulls-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/image-pulls.json"
        try await FileImageProvenance(path: path).record(imageID: Self.privateID, pulledBy: "acme", withLogin: true)
        let reopened = try FileImageProvenance(path: path)
        let acme = await reopened.mayRun(imageID: Self.privateID, team: "acme"), rivals = await reopened.mayRun(imageID: Self.privateID, team: "rivals")
        #expect(acme && !rivals)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.uint16Value == 0o600)
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try FileImageProvenance(path: path) } throws: { "\($0)".contains("not codeb's image pull record") }
    }
}
