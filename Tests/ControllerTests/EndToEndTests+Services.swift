import APIModel
@testable import Controller
import Drivers
import Foundation
import Spec
import State
import TestSupport
import Testing

/// Backing services on the real dockerd with the Redis and PostgreSQL test images (Debian's
/// binaries): the app reaches its own by the injected variables, nobody else can, and the data
/// lives in a named volume that outlives the container.
extension EndToEndTests {
    static func serviceSpec(_ project: String, team: String = "acme", version: Int = 1, deadline: String = "60s", services: String?) throws -> Spec {
        try SpecLoader.load("""
            project: \(project)
            team: \(team)
            image: codeb-test/web:\(version)
            port: 8080
            resources: { memory: 64m, cpus: 0.5 }
            healthcheck: { path: /health, interval: 200ms, timeout: 1s, healthyThreshold: 2, deadline: \(deadline) }
            grace: 1h
            stopTimeout: 1s
            \(services.map { "services:\n" + $0 } ?? "")
            environments:
              production: { domains: [\(project).test] }

            """, file: "codeb.yaml")
    }

    static let redis = ServiceFixtures.redis

    /// Applies `spec` for its project in `world`'s store and runs passes until a slot serves.
    static func deploy(_ spec: Spec, in world: World) async throws -> EnvironmentKey {
        let key = EnvironmentKey(project: spec.project, environment: .production)
        let revision = try await world.operations.apply(spec, environment: .production, author: "e2e")
        _ = try await eventually("\(key) revision \(revision.number) live", within: .seconds(60), every: .milliseconds(50)) { () -> Bool? in
            let requeue = try await world.reconciler.reconcile(key)
            let state = await world.store.load(key)
            if state?.slots.contains(where: { $0.state == .active && $0.revision == revision.number }) == true { return true }
            try await Task.sleep(for: min(requeue ?? .milliseconds(200), .milliseconds(200)))
            return nil
        }
        return key
    }

    /// The running container of `key`'s active slot.
    static func activeSlot(_ key: EnvironmentKey, in world: World) async throws -> ContainerInfo {
        let state = try #require(await world.store.load(key))
        let active = try #require(state.slots.first { $0.state == .active })
        let containers = try await world.docker.listManaged(project: key.project.value, environment: key.environment.value)
        return try #require(containers.first { $0.labels[ManagedLabels.slot] == active.slot.rawValue && $0.state == .running })
    }

    static func service(_ name: String, of key: EnvironmentKey, in world: World) async throws -> ContainerInfo? {
        try await world.docker.listManaged(project: key.project.value, environment: key.environment.value)
            .first { $0.labels[ManagedLabels.service] == name }
    }

    /// Speaks RESP to `host:port` from inside `container` with busybox nc; what Redis answered.
    static func redis(_ commands: [String], from container: String, host: String = "$CACHE_HOST", port: String = "$CACHE_PORT") async throws -> DockerExec.Outcome {
        let input = (commands + ["QUIT"]).map { $0 + "\r\n" }.joined()
        return try await DockerExec.shell(container, "busybox timeout 10 busybox nc -w 3 \(host) \(port)", input: input)
    }

    /// Removes what the projects left: containers, then their private networks and volumes.
    static func removeEverything(of projects: [String], _ world: World) async {
        for container in (try? await world.docker.listManaged()) ?? [] where projects.contains(container.labels[ManagedLabels.project] ?? "") {
            try? await world.docker.remove(container.id)
        }
        for network in (try? await world.docker.managedNetworks()) ?? [] where projects.contains(where: { network.contains(".\($0).") }) {
            try? await world.docker.removeNetwork(network)
        }
        for project in projects {
            for volume in (try? await world.docker.managedVolumes(project: project, environment: nil)) ?? [] {
                try? await world.docker.removeVolume(volume.name)
            }
        }
    }

    static func runWithServices(projects extra: Int = 0, secrets: Bool = false, _ body: (World, [String]) async throws -> Void) async throws {
        try requireProductionPortsFree()
        try await CaddyInstance.run { caddy in
            let world = try World(caddy: caddy, secrets: secrets)
            let others = (0..<extra).map { "e2e\($0)" + UUID().uuidString.prefix(6).lowercased() }
            do {
                try await body(world, others)
            } catch {
                await removeEverything(of: [world.project] + others, world)
                throw error
            }
            await removeEverything(of: [world.project] + others, world)
        }
    }

    @Test func aSlotTalksToItsRedisByTheInjectedVariablesAndTheDataOutlivesItsContainer() async throws {
        try await Self.runWithServices { world, _ in
            let key = try await Self.deploy(Self.serviceSpec(world.project, services: Self.redis), in: world)
            let service = try #require(try await Self.service("cache", of: key, in: world))
            let network = ManagedLabels.network(of: "acme", key)
            let inspected = try #require(try await world.docker.inspect(service.id))
            #expect(inspected.ports.isEmpty, "a service is never published on the host")
            #expect(Set(inspected.networks?.keys.map { $0 } ?? []) == [network], "on its environment's network only")
            let slot = try await Self.activeSlot(key, in: world)
            #expect(Set(try #require(try await world.docker.inspect(slot.id)).networks?.keys.map { $0 } ?? []) == ["codeb-acme", network])

            let env = try await DockerExec.shell(slot.name, "echo $CACHE_HOST:$CACHE_PORT")
            #expect(env.output == "cache:6379\n")
            let set = try await Self.redis(["SET greeting hello"], from: slot.name)
            #expect(set.output.hasPrefix("+OK"), "SET answered \(set.output)")

            // Drift: the service removed by hand comes back on the same volume.
            try await world.docker.remove(service.id)
            try await world.converge("the service re-created") {
                let again = try await Self.service("cache", of: key, in: world)
                return again != nil && again?.id != service.id && again?.state == .running
            }
            _ = try await eventually("the key read back after the re-create", within: .seconds(20)) { () -> Bool? in
                let get = try await Self.redis(["GET greeting"], from: slot.name)
                return get.output.hasPrefix("$5\r\nhello") ? true : nil
            }

            // A v2 of the app: a new slot, the same service container, the same data.
            let before = try #require(try await Self.service("cache", of: key, in: world))
            _ = try await Self.deploy(Self.serviceSpec(world.project, version: 2, services: Self.redis), in: world)
            let v2 = try await Self.activeSlot(key, in: world)
            #expect(v2.name != slot.name)
            #expect(try await Self.service("cache", of: key, in: world)?.id == before.id, "an app rollout leaves its services alone")
            #expect(try await Self.redis(["GET greeting"], from: v2.name).output.hasPrefix("$5\r\nhello"))

            // A controller restart (a new reconciler on the same store) changes nothing.
            let restarted = Reconciler(store: world.store, runtime: world.docker, router: world.caddy.router(), probe: HTTPHealthProbe())
            _ = try await restarted.reconcile(key)
            #expect(try await Self.service("cache", of: key, in: world)?.id == before.id)
            #expect(try await Self.redis(["GET greeting"], from: v2.name).output.hasPrefix("$5\r\nhello"))
        }
    }

    @Test func anotherProjectOfTheTeamAndAnotherTeamCannotResolveOrReachAService() async throws {
        try await Self.runWithServices(projects: 2) { world, others in
            let key = try await Self.deploy(Self.serviceSpec(world.project, services: Self.redis), in: world)
            let sibling = try await Self.deploy(Self.serviceSpec(others[0], services: nil), in: world)
            let stranger = try await Self.deploy(Self.serviceSpec(others[1], team: "umbrella", services: nil), in: world)
            let service = try #require(try await Self.service("cache", of: key, in: world))
            let address = try #require(try await world.docker.inspect(service.id)?.networks?[ManagedLabels.network(of: "acme", key)])

            // The check can pass: the owner's slot reaches it by name and by address.
            let own = try await Self.activeSlot(key, in: world)
            #expect(try await Self.redis(["PING"], from: own.name, host: "cache", port: "6379").output.hasPrefix("+PONG"))
            #expect(try await Self.redis(["PING"], from: own.name, host: address, port: "6379").output.hasPrefix("+PONG"))
            for other in [sibling, stranger] {
                let slot = try await Self.activeSlot(other, in: world)
                let lookup = try await DockerExec.shell(slot.name, "busybox nslookup cache 127.0.0.11 >/dev/null 2>&1 && echo resolved || echo unknown")
                #expect(lookup.output == "unknown\n", "\(other) resolved the service's name")
                let byName = try await Self.redis(["PING"], from: slot.name, host: "cache", port: "6379")
                #expect(!byName.output.contains("PONG"), "\(other) reached the service by name: \(byName.output)")
                // Every address it has, on whichever network.
                for address in try #require(try await world.docker.inspect(service.id)?.networks).values {
                    let byAddress = try await Self.redis(["PING"], from: slot.name, host: address, port: "6379")
                    #expect(!byAddress.output.contains("PONG"), "\(other) reached the service at \(address): \(byAddress.output)")
                }
            }
        }
    }
}

extension EndToEndTests {
    static let postgres = ServiceFixtures.postgres

    /// psql inside the service's own container, over TCP with a password (as the app would).
    static func psql(_ container: String, password: String, _ sql: String) async throws -> DockerExec.Outcome {
        try await DockerExec.run(container, ["/usr/bin/busybox", "env", "PGPASSWORD=\(password)", "psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "app", "-Atc", sql])
    }

    @Test func aPostgresServiceWithAGeneratedPasswordKeepsItsDataUntilDeletedWithPurgeData() async throws {
        try await Self.runWithServices(secrets: true) { world, _ in
            let spec = try Self.serviceSpec(world.project, services: Self.postgres)
            let key = try await Self.deploy(spec, in: world)
            let slot = try await Self.activeSlot(key, in: world)
            let password = try await DockerExec.shell(slot.name, "printf %s \"$DB_POSTGRES_PASSWORD\"").output
            #expect(password.count == 64, "a generated value: 32 random bytes, hex")
            #expect(try await DockerExec.shell(slot.name, "echo $DB_HOST:$DB_PORT").output == "db:5432\n")
            let service = try #require(try await Self.service("db", of: key, in: world))
            #expect(try await Self.psql(service.name, password: password, "CREATE TABLE orders (id int); INSERT INTO orders VALUES (42)").status == 0)
            #expect(try await Self.psql(service.name, password: "wrong", "SELECT 1").status != 0, "the password is checked")

            // Never in clear at rest: not in any file of the store (state, revisions, secrets).
            let files = try #require(FileManager.default.enumerator(atPath: world.store.directory)).compactMap { $0 as? String }
            for file in files {
                let text = (try? String(contentsOfFile: world.store.directory + "/" + file, encoding: .utf8)) ?? ""
                #expect(!text.contains(password), "\(file) holds the generated password")
            }

            // Nor in an answer: the environment and history views name the secret, never its value.
            let answers = try JSONEncoder().encode(RevisionView(try #require(await world.state()?.desired)))
                + JSONEncoder().encode(await EnvironmentView.with(try #require(await world.state()), previewDomain: nil, reconciler: world.reconciler, now: Date()))
            #expect(String(decoding: answers, as: UTF8.self).contains("DB_POSTGRES_PASSWORD"), "the answers name it")
            #expect(!String(decoding: answers, as: UTF8.self).contains(password), "no answer holds its value")

            // Drift and delete: the data stays with the volume.
            try await world.docker.remove(service.id)
            try await world.converge("the database re-created") { try await Self.service("db", of: key, in: world)?.state == .running }
            let recreated = try #require(try await Self.service("db", of: key, in: world))
            _ = try await eventually("the row read back after the re-create", within: .seconds(30)) { () -> Bool? in
                try await Self.psql(recreated.name, password: password, "SELECT id FROM orders").output == "42\n" ? true : nil
            }
            let volume = ManagedLabels.volume(of: "acme", key, service: "db")
            try await world.operations.delete(key, author: "e2e")
            try await world.converge("deleted") { await world.state() == nil }
            #expect(try await Self.service("db", of: key, in: world) == nil)
            #expect(try await world.docker.managedVolumes(project: world.project, environment: nil).map(\.name) == [volume], "delete keeps the data")

            // Applied again: the same volume, the same rows, the same password (kept in the vault).
            let again = try await Self.deploy(spec, in: world)
            let back = try #require(try await Self.service("db", of: again, in: world))
            _ = try await eventually("the row read back after a re-apply", within: .seconds(30)) { () -> Bool? in
                try await Self.psql(back.name, password: password, "SELECT id FROM orders").output == "42\n" ? true : nil
            }
            try await world.operations.delete(key, author: "e2e", purgeData: true)
            try await world.converge("deleted with its data") { await world.state() == nil }
            #expect(try await world.docker.managedVolumes(project: world.project, environment: nil).isEmpty, "--purge-data removes the volume")
        }
    }
}

extension EndToEndTests {
    @Test func aServiceImageThatDoesNotAnswerIsUndoneWithItsDataAndABackupTakenFirst() async throws {
        try await Self.runWithServices(secrets: true) { world, _ in
            let key = try await Self.deploy(Self.serviceSpec(world.project, deadline: "4s", services: Self.redis), in: world)
            let slot = try await Self.activeSlot(key, in: world)
            #expect(try await Self.redis(["SET marker survives-a-bad-image"], from: slot.name).output.hasPrefix("+OK"))
            let old = try #require(try await Self.service("cache", of: key, in: world))

            // A "new image" that listens on nothing at 6379 (the web test image).
            let bad = "  cache: { image: codeb-test/web:1, port: 6379, volume: /data }"
            try await world.operations.apply(try Self.serviceSpec(world.project, deadline: "4s", services: bad), environment: .production, author: "e2e")
            try await world.converge("the change undone", within: .seconds(60)) { await world.state()?.serviceFailures?["cache"] != nil }
            let failure = try #require(await world.state()?.serviceFailures?["cache"])
            #expect(failure.reason.contains("codeb-test/web:1") && failure.reason.contains("did not accept connections"), "\(failure.reason)")
            let back = try #require(try await Self.service("cache", of: key, in: world))
            #expect(back.id == old.id && back.state == .running && back.name == old.name, "the old container runs again")
            #expect(back.image.contains("redis"))
            _ = try await eventually("the data read back", within: .seconds(20)) { () -> Bool? in
                try await Self.redis(["GET marker"], from: slot.name).output.contains("survives-a-bad-image") ? true : nil
            }
            // The next pass says so, and does not try it again by itself.
            _ = try await world.reconciler.reconcile(key)
            let state = try #require(await world.state())
            #expect(state.status.condition(.degraded)?.reason == .serviceChangeFailed)
            #expect(try Self.backups(world).list(state, service: "cache").first?.trigger == "before-change", "a backup was taken before the change")
            // Not tried again by itself.
            _ = try await world.reconciler.reconcile(key)
            #expect(try await Self.service("cache", of: key, in: world)?.id == old.id)
        }
    }
}

extension EndToEndTests {
    @Test func aChangedServiceIsReplacedOnItsVolumeAndTheOldContainerGoesOnceTheNewAnswers() async throws {
        try await Self.runWithServices(secrets: true) { world, _ in
            let key = try await Self.deploy(Self.serviceSpec(world.project, services: Self.redis), in: world)
            let slot = try await Self.activeSlot(key, in: world)
            #expect(try await Self.redis(["SET marker across-a-change"], from: slot.name).output.hasPrefix("+OK"))
            let old = try #require(try await Self.service("cache", of: key, in: world))
            let changed = "  cache: { image: codeb-test/redis:7, port: 6379, volume: /data, resources: { memory: 128m } }"
            try await world.operations.apply(try Self.serviceSpec(world.project, services: changed), environment: .production, author: "e2e")
            try await world.converge("the service replaced") {
                let now = try await Self.service("cache", of: key, in: world)
                return now != nil && now?.id != old.id && now?.state == .running
            }
            let containers = try await world.docker.listManaged(project: world.project, environment: "production")
            #expect(containers.filter { $0.labels[ManagedLabels.service] == "cache" }.count == 1, "the old one is gone")
            #expect(try await world.docker.inspect(try #require(try await Self.service("cache", of: key, in: world)).id)?.memoryBytes == 128 << 20)
            _ = try await eventually("the data read back", within: .seconds(20)) { () -> Bool? in
                try await Self.redis(["GET marker"], from: slot.name).output.contains("across-a-change") ? true : nil
            }
        }
    }
}
