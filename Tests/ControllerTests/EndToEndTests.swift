import Controller
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import TestSupport
import Testing

/// The whole loop on the real dockerd and a real Caddy with the `codeb-test/web` images.
/// Serialized: every environment here owns the first production pair of the test ranges (14100/14101).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EndToEndTests {
    /// One test's world: a project name of its own, a state directory, a Caddy.
    struct World {
        let project: String
        let key: EnvironmentKey
        let caddy: CaddyInstance
        let store: FileStore
        let docker = DockerRuntime()
        let reconciler: Reconciler
        /// Only for tests that need secrets (a service's generated password).
        let vault: SecretVault?
        var operations: StateOperations { StateOperations(store: store, vault: vault, ports: TestPorts.ranges) }
        var domain: String { "\(project).test" }

        init(caddy: CaddyInstance, directory: String? = nil, project: String? = nil, router: CaddyRouter? = nil, secrets: Bool = false) throws {
            self.project = project ?? "e2e" + UUID().uuidString.prefix(8).lowercased()
            key = EnvironmentKey(project: try ResourceName(parsing: self.project), environment: .production)
            self.caddy = caddy
            let directory = directory ?? NSTemporaryDirectory() + "codeb-e2e-" + self.project
            store = try FileStore(directory: directory)
            vault = secrets ? try SecretVault.open(store: store, keyFile: directory + "-keys/secret.key") : nil
            reconciler = Reconciler(
                store: store, runtime: docker, router: router ?? caddy.router(), probe: HTTPHealthProbe(), vault: vault,
                backups: FileBackups(root: directory + "-backups")
            )
        }

        // A generous deadline: a rollout that fails is final, and a loaded 2-core CI machine once
        // took 8 s from deploy to a started container. The failure test sets its own.
        func spec(
            _ version: Int, health: String = "/health", grace: String = "1h", deadline: String = "60s", command: String? = nil, memory: String = "64m"
        ) throws -> Spec {
            try SpecLoader.load(specText(version, health: health, grace: grace, deadline: deadline, command: command, memory: memory), file: "codeb.yaml")
        }

        /// The codeb.yaml `spec` reads.
        func specText(
            _ version: Int, health: String = "/health", grace: String = "1h", deadline: String = "60s", command: String? = nil, memory: String = "64m"
        ) throws -> String {
            """
                project: \(project)
                team: acme
                image: codeb-test/web:\(version)
                port: 8080\(command.map { "\ncommand: \($0)" } ?? "")
                resources: { memory: \(memory), cpus: 0.5 }
                healthcheck: { path: \(health), interval: 200ms, timeout: 1s, healthyThreshold: 2, deadline: \(deadline) }
                grace: \(grace)
                stopTimeout: 1s
                environments:
                  production: { domains: [\(domain)] }

                """
        }

        func apply(
            _ version: Int, health: String = "/health", grace: String = "1h", deadline: String = "60s", command: String? = nil, memory: String = "64m"
        ) async throws {
            let spec = try spec(version, health: health, grace: grace, deadline: deadline, command: command, memory: memory)
            try await operations.apply(spec, environment: .production, author: "e2e")
        }

        /// Runs passes until `done` holds, as the loop would (honouring requeueAfter, capped).
        func converge(_ what: String, within deadline: Duration = .seconds(30), _ done: () async throws -> Bool) async throws {
            _ = try await eventually(what, within: deadline, every: .milliseconds(50)) { () -> Bool? in
                let requeue = try await reconciler.reconcile(key)
                if try await done() { return true }
                try await Task.sleep(for: min(requeue ?? .milliseconds(200), .milliseconds(200)))
                return nil
            }
        }

        func containers() async throws -> [ContainerInfo] {
            try await docker.listManaged().filter { $0.labels[ManagedLabels.project] == project }
        }

        func served() async -> String? {
            try? await caddy.get(domain).body
        }

        func state() async -> EnvironmentState? { await store.load(key) }

        func cleanUp() async {
            for container in (try? await containers()) ?? [] { try? await docker.remove(container.id) }
        }
    }

    static func run(_ body: (World) async throws -> Void) async throws {
        try requireProductionPortsFree()
        try await CaddyInstance.run { caddy in
            let world = try World(caddy: caddy)
            do {
                try await body(world)
            } catch {
                await world.cleanUp()
                throw error
            }
            await world.cleanUp()
        }
    }

    /// These tests own 14100/14101 (the test ranges, so a demo on 4100/4101 may keep running);
    /// something else holding them is named plainly instead of surfacing deep in a rollout.
    static func requireProductionPortsFree() throws {
        for port in [TestPorts.firstProduction.blue, TestPorts.firstProduction.green] where !FreePort.isFree(port) {
            throw PortsBusy(port: port)
        }
    }

    struct PortsBusy: Error, CustomStringConvertible {
        var port: Int
        var description: String {
            "127.0.0.1:\(port) is in use; these tests need the port pair \(TestPorts.firstProduction.blue)/\(TestPorts.firstProduction.green) of the test ranges. Stop what holds it."
        }
    }

    @Test func applyRolloutRollbackGraceExpiryAndRepair() async throws {
        try await Self.run { world in
            // v1 goes live on blue.
            try await world.apply(1, grace: "4s")
            try await world.converge("v1 served") { await world.served() == "codeb-test web v1\n" }
            #expect(try await world.containers().map(\.name) == ["\(world.project)-production-blue"])
            #expect(await world.state()?.blue.state == .active)

            // v2: green deployed, healthy, switched; blue kept warm.
            try await world.apply(2, grace: "4s")
            try await world.converge("v2 served") { await world.served() == "codeb-test web v2\n" }
            let state = try #require(await world.state())
            #expect(state.green.state == .active)
            #expect(state.blue.state == .grace)
            let ids = Set(try await world.containers().map(\.id))
            #expect(ids.count == 2)

            // Rollback: v1 serves again at once, from the warm container.
            try await world.operations.rollback(world.key, author: "e2e")
            _ = try await world.reconciler.reconcile(world.key)
            #expect(await world.served() == "codeb-test web v1\n")
            #expect(Set(try await world.containers().map(\.id)) == ids, "no new container")
            #expect(await world.state()?.blue.state == .active)

            // The grace slot (green, v2) expires after 4 s and its container goes.
            try await world.converge("grace expiry", within: .seconds(20)) {
                try await world.containers().count == 1
            }
            #expect(await world.state()?.green.state == .empty)
            #expect(await world.served() == "codeb-test web v1\n")

            // Someone removes the active container by hand: it comes back.
            let active = try #require(try await world.containers().first)
            try await world.docker.remove(active.id)
            try await world.converge("repair after rm -f") {
                let running = try await world.containers().first?.state == .running
                let served = await world.served()
                return running && served == "codeb-test web v1\n"
            }

            // Someone stops it: it is started again.
            let restored = try #require(try await world.containers().first)
            try await world.docker.stop(restored.id, timeout: .seconds(1))
            try await world.converge("repair after kill") { try await world.docker.inspect(restored.id)?.state == .running }

            // Someone edits the site file: it is rewritten.
            let path = world.caddy.sitesDirectory + "/\(world.key.stem).caddy"
            let original = try String(contentsOfFile: path, encoding: .utf8)
            try (original + "# hand edit\n").write(toFile: path, atomically: true, encoding: .utf8)
            _ = try await world.reconciler.reconcile(world.key)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == original)

            // Converged: a pass plans nothing.
            let settle = try await world.reconciler.plan(world.key)
            _ = try await world.reconciler.reconcile(world.key)
            #expect(try await world.reconciler.plan(world.key)?.actions.isEmpty == true, "\(settle?.actions ?? [])")
        }
    }

    @Test func aFailingHealthCheckFailsTheRolloutAndLeavesV1Serving() async throws {
        try await Self.run { world in
            try await world.apply(1)
            try await world.converge("v1 served") { await world.served() == "codeb-test web v1\n" }
            try await world.apply(2, health: "/missing", deadline: "2s")
            try await world.converge("rollout failed") { await world.state()?.green.state == .failed }
            let state = try #require(await world.state())
            #expect(state.green.failure?.contains("404") == true)
            #expect(state.status.condition(.degraded)?.reason == .unhealthy)
            #expect(state.green.failure?.contains("since deploy") == true, "\(state.green.failure ?? "-")")
            #expect(await world.served() == "codeb-test web v1\n")
            let green = try #require(try await world.containers().first { $0.name.hasSuffix("-green") })
            #expect(green.state == .exited, "stopped, kept for its logs")
            // No retry loop: more passes change nothing.
            for _ in 0..<3 { _ = try await world.reconciler.reconcile(world.key) }
            #expect(try await world.reconciler.plan(world.key)?.actions.isEmpty == true)
        }
    }

    @Test func aRestartMidRolloutFinishesWithoutADuplicateContainer() async throws {
        try Self.requireProductionPortsFree()
        try await CaddyInstance.run { caddy in
            let directory = NSTemporaryDirectory() + "codeb-e2e-restart-" + UUID().uuidString.prefix(8).lowercased()
            var project = ""
            do {
                let first = try World(caddy: caddy, directory: directory)
                project = first.project
                try await first.apply(1)
                // The pass is cut right after the intent is recorded and the container created,
                // before anything else: as if the controller died there.
                let plan = try #require(try await first.reconciler.plan(first.key))
                let executor = Executor(runtime: first.docker, router: caddy.router(), store: first.store)
                let create = try #require(plan.actions.firstIndex { if case .createContainer = $0 { return true } else { return false } })
                #expect(plan.actions[..<create].contains { if case .recordSlots = $0 { return true } else { return false } })
                try await executor.execute(Plan(actions: Array(plan.actions.prefix(create + 1))), for: first.key)
                #expect(try await first.containers().count == 1)
            }
            // A new controller on the same state directory.
            let second = try World(caddy: caddy, directory: directory, project: project)
            do {
                try await second.converge("v1 served after restart") { await second.served() == "codeb-test web v1\n" }
                #expect(try await second.containers().count == 1)
            } catch {
                await second.cleanUp()
                throw error
            }
            await second.cleanUp()
        }
    }

    @Test func deleteRemovesContainersSiteAndPorts() async throws {
        try await Self.run { world in
            try await world.apply(1)
            try await world.converge("v1 served") { await world.served() == "codeb-test web v1\n" }
            try await world.operations.delete(world.key, author: "e2e")
            _ = try await world.reconciler.reconcile(world.key)
            #expect(try await world.containers().isEmpty)
            #expect(FileManager.default.fileExists(atPath: world.caddy.sitesDirectory + "/\(world.key.stem).caddy") == false)
            #expect(await world.state() == nil)
            #expect(await world.store.keys().isEmpty, "ports and domains released with the record")
        }
    }

    @Test func theRunningLoopRollsOutOnApplyAndRepairsOnDockerEvents() async throws {
        try await Self.run { world in
            // The resync is an hour away: whatever happens here is triggered by the store and by Docker.
            let loop = ReconcileLoop(reconciler: world.reconciler, workers: 2, resync: .seconds(3600))
            let running = Task { await loop.run() }
            defer { running.cancel() }
            await loop.listening.wait()

            try await world.apply(1)
            _ = try await eventually("v1 served by the loop", within: .seconds(30)) {
                await world.served() == "codeb-test web v1\n" ? true : nil
            }
            let active = try #require(try await world.containers().first)
            try await world.docker.remove(active.id)
            _ = try await eventually("the loop to repair the removed container", within: .seconds(30)) {
                let containers = try await world.containers()
                return containers.count == 1 && containers[0].id != active.id && containers[0].state == .running ? true : nil
            }
            _ = try await eventually("v1 served again", within: .seconds(30)) {
                await world.served() == "codeb-test web v1\n" ? true : nil
            }
            running.cancel()
            await running.value
        }
    }
}
