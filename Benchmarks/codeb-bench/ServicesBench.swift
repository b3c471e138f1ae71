import Controller
import Drivers
import Foundation
import Spec
import State
import Synchronization
import TestSupport

/// Figure 12: from an apply that adds a backing service to the service accepting connections,
/// for Redis and PostgreSQL (Debian's binaries, the test images), beside the floor measured in
/// the same round: the same image's container created and started directly, to its first
/// accepted connection.
///
/// Figure 13: backup and restore throughput of a service's volume holding `megabytes` of data —
/// paused, archived by the engine, encrypted to disk; restored by the reconciler into a fresh
/// volume — beside `docker cp` of the same directory to a tar file and back (the floor); and the
/// bench process's resident memory while a backup streams (it must not grow with the volume).
///
/// Figure 14: a service's downtime when its spec changes (replaced on its volume after a backup):
/// the time without an accepted connection, beside the floor — the same container stopped and
/// started directly.
struct ServicesBench {
    static let rounds = 5
    static let megabytes = Int(ProcessInfo.processInfo.environment["CODEB_BENCH_BACKUP_MB"] ?? "") ?? 200

    struct World: Sendable {
        let store: FileStore
        let docker = DockerRuntime()
        let reconciler: Reconciler
        let operations: StateOperations
        let vault: SecretVault
        let files: FileBackups

        init(caddy: CaddyInstance, directory: String) throws {
            store = try FileStore(directory: directory)
            vault = try SecretVault.open(store: store, keyFile: directory + "-keys/secret.key")
            files = FileBackups(root: directory + "-backups")
            reconciler = Reconciler(store: store, runtime: docker, router: caddy.router(), probe: HTTPHealthProbe(), vault: vault, backups: files)
            operations = StateOperations(store: store, vault: vault, ports: TestPorts.ranges)
        }
    }

    static let kinds: [(name: String, service: String, port: Int, target: String)] = [
        ("redis", "cache: { image: codeb-test/redis:7, port: 6379, volume: /data }", 6379, "/data"),
        ("postgres", "db: { image: codeb-test/postgres:15, port: 5432, volume: /var/lib/postgresql/data, env: { POSTGRES_DB: app }, generated-secrets: [POSTGRES_PASSWORD] }", 5432, "/var/lib/postgresql/data"),
    ]

    static func spec(_ project: String, service: String?) -> String {
        """
        project: \(project)
        team: bench
        image: codeb-test/web:1
        port: 8080
        resources: { memory: 64m, cpus: 1 }
        healthcheck: { interval: 100ms, timeout: 1s, healthyThreshold: 1, deadline: 60s }
        stopTimeout: 1s
        \(service.map { "services:\n  \($0)" } ?? "")
        environments:
          production: { domains: [\(project).test] }

        """
    }

    static func run(_ caddy: CaddyInstance) async throws {
        let directory = NSTemporaryDirectory() + "codeb-bench-services-" + UUID().uuidString.prefix(6)
        let world = try World(caddy: caddy, directory: directory)
        var projects: [String] = []
        defer {
            let docker = world.docker
            let names = projects
            Task.detached {
                for container in (try? await docker.listManaged()) ?? [] where names.contains(container.labels[ManagedLabels.project] ?? "") {
                    try? await docker.remove(container.id)
                }
            }
        }
        print("Figure 12 — an apply adding a service → it accepts connections (n=\(rounds) per kind), beside the same image started directly:")
        for kind in kinds {
            var applied: [Double] = [], floor: [Double] = []
            for round in 0..<rounds {
                let project = "svc\(kind.name.prefix(2))\(UUID().uuidString.prefix(6).lowercased())\(round)"
                projects.append(project)
                floor.append(try await direct(kind, world: world, name: "codeb-bench-floor-\(project)"))
                applied.append(try await throughApply(kind, project: project, world: world))
                try await cleanUp(project, world: world)
            }
            let a = Stats(applied), f = Stats(floor)
            print("  \(kind.name): median \(ms(a.median)) (p95 \(ms(a.p95))), floor median \(ms(f.median)) (p95 \(ms(f.p95))); ratio \(String(format: "%.2f", a.median / f.median))")
        }
        print("")
        try await throughput(world: world, projects: &projects)
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }

    /// The service's container created and started by the runtime, to its first connection.
    static func direct(_ kind: (name: String, service: String, port: Int, target: String), world: World, name: String) async throws -> Double {
        let image = kind.name == "redis" ? "codeb-test/redis:7" : "codeb-test/postgres:15"
        let spec = ContainerSpec(
            name: name, image: image, env: kind.name == "postgres" ? ["POSTGRES_PASSWORD": "bench", "POSTGRES_DB": "app"] : [:],
            labels: [ManagedLabels.team: "bench", ManagedLabels.project: name, ManagedLabels.environment: "production"],
            containerPort: kind.port, hostPort: nil, memoryBytes: 256 << 20, nanoCPUs: 1_000_000_000,
            privateNetwork: PrivateNetwork(name: "codeb-bench-floor")
        )
        let (_, elapsed) = try await time {
            let id = try await world.docker.create(spec)
            try await world.docker.start(id)
            try await waitForConnection(id, network: "codeb-bench-floor", port: kind.port, world: world)
        }
        if let info = try await world.docker.inspect(name) { try await world.docker.remove(info.id) }
        return elapsed
    }

    static func waitForConnection(_ id: String, network: String, port: Int, world: World) async throws {
        let probe = HTTPHealthProbe()
        _ = try await eventually("a connection", within: .seconds(60), every: .milliseconds(10)) { () -> Bool? in
            guard let address = try await world.docker.inspect(id)?.networks?[network], !address.isEmpty else { return nil }
            return await probe.probeTCP(host: address, port: port, timeout: .milliseconds(200)).healthy ? true : nil
        }
    }

    /// An apply with the service, passes as the loop runs them, to its first connection.
    static func throughApply(_ kind: (name: String, service: String, port: Int, target: String), project: String, world: World) async throws -> Double {
        let key = EnvironmentKey(project: try ResourceName(parsing: project), environment: .production)
        let network = ManagedLabels.network(of: "bench", key)
        let probe = HTTPHealthProbe()
        let (_, elapsed) = try await time {
            try await world.operations.apply(try SpecLoader.load(spec(project, service: kind.service), file: "codeb.yaml"), environment: .production, author: "bench")
            _ = try await eventually("the service of \(project) answering", within: .seconds(60), every: .milliseconds(1)) { () -> Bool? in
                _ = try await world.reconciler.reconcile(key)
                let containers = try await world.docker.listManaged(project: project, environment: "production")
                guard let service = containers.first(where: { $0.labels[ManagedLabels.service] != nil }),
                      let address = service.networks?[network], !address.isEmpty else { return nil }
                return await probe.probeTCP(host: address, port: kind.port, timeout: .milliseconds(200)).healthy ? true : nil
            }
        }
        return elapsed
    }

    static func cleanUp(_ project: String, world: World) async throws {
        let key = EnvironmentKey(project: try ResourceName(parsing: project), environment: .production)
        try await world.operations.delete(key, author: "bench", purgeData: true)
        _ = try await eventually("\(project) deleted", within: .seconds(60)) { () -> Bool? in
            _ = try await world.reconciler.reconcile(key)
            return await world.store.load(key) == nil ? true : nil
        }
        try await world.docker.removeNetwork(ManagedLabels.network(of: "bench", key))
    }

    /// Figure 13.
    static func throughput(world: World, projects: inout [String]) async throws {
        let project = "svcbackup\(UUID().uuidString.prefix(6).lowercased())"
        projects.append(project)
        let key = EnvironmentKey(project: try ResourceName(parsing: project), environment: .production)
        let kind = kinds[0]
        _ = try await throughApply(kind, project: project, world: world)
        let container = try required(try await world.docker.listManaged(project: project, environment: "production").first { $0.labels[ManagedLabels.service] == "cache" }, "the cache container")
        // Incompressible data, as a database's pages often are not.
        let fill = try await offPool { try DockerExec.runBlocking(container.name, ["/usr/bin/busybox", "dd", "if=/dev/urandom", "of=/data/blob", "bs=1048576", "count=\(megabytes)"], input: nil) }
        guard fill.status == 0 else { throw BenchFailure("filling the volume failed: \(fill.output)") }
        let backups = ServiceBackups(files: world.files, runtime: world.docker, vault: world.vault)
        var backupRates: [Double] = [], restoreRates: [Double] = [], cpOut: [Double] = [], cpIn: [Double] = [], growth: [Double] = []
        let tar = NSTemporaryDirectory() + "codeb-bench-cp-\(project).tar"
        defer { try? FileManager.default.removeItem(atPath: tar) }
        for _ in 0..<3 {
            // The floor: docker cp of the same directory out to a tar file, and back in.
            let (_, out) = try await time { try await dockerCP(["cp", "\(container.name):/data", "-"], stdoutTo: tar) }
            let state = try required(await world.store.load(key), "the environment")
            let before = residentMiB()
        let sampler = Task {
            var peak = before
            while !Task.isCancelled {
                peak = max(peak, residentMiB())
                try? await Task.sleep(for: .milliseconds(20))
            }
            return peak
        }
        let (record, backupTime) = try await time { try await backups.create(state, service: "cache", trigger: "manual") }
        sampler.cancel()
        growth.append(await sampler.value - before)
            let mb = Double(record.bytes) / 1e6
            backupRates.append(mb / backupTime)
            cpOut.append(mb / out)
            let current = try required(try await world.docker.listManaged(project: project, environment: "production").first { $0.labels[ManagedLabels.service] == "cache" }, "the cache container")
            try await world.docker.stop(current.id, timeout: .seconds(5))
            let (_, into) = try await time { try await dockerCP(["cp", tar, "\(current.name):/"]) }
            cpIn.append(mb / into)
            try await world.docker.start(current.id)
            let (_, restoreTime) = try await time {
                try await world.operations.requestRestore(key, ServiceRestore(service: "cache", backup: record.id, requestedAt: Date(), by: "bench"))
                _ = try await eventually("the restore", within: .seconds(300), every: .milliseconds(5)) { () -> Bool? in
                    _ = try await world.reconciler.reconcile(key)
                    return await world.store.load(key)?.restore == nil ? true : nil
                }
            }
            restoreRates.append(mb / restoreTime)
        }
        let b = Stats(backupRates), r = Stats(restoreRates), o = Stats(cpOut), i = Stats(cpIn)
        print("Figure 13 — \(megabytes) MB of random data in a Redis volume (n=3):")
        print("  backup (paused, archived, AES-GCM to disk): median \(String(format: "%.0f", b.median)) MB/s; docker cp out to a tar file: \(String(format: "%.0f", o.median)) MB/s; ratio \(String(format: "%.2f", b.median / o.median))")
        print("  restore (read through, fresh volume, extracted, started): median \(String(format: "%.0f", r.median)) MB/s; docker cp of the tar back in: \(String(format: "%.0f", i.median)) MB/s; ratio \(String(format: "%.2f", r.median / i.median))")
        print("  the bench process's resident memory while a backup streams: +\(String(format: "%.1f", Stats(growth).median)) MiB median (max +\(String(format: "%.1f", growth.max() ?? 0))) for \(megabytes) MB")
        print("")
        try await downtime(project, key: key, world: world)
        try await cleanUp(project, world: world)
    }

    /// Figure 14: from a change's apply, the longest time no connection was accepted by any
    /// running container of the service; floor: the same of a direct stop and start.
    static func downtime(_ project: String, key: EnvironmentKey, world: World) async throws {
        var changes: [Double] = [], floors: [Double] = []
        for round in 0..<3 {
            let memory = round % 2 == 0 ? "128m" : "192m"
            let service = "cache: { image: codeb-test/redis:7, port: 6379, volume: /data, resources: { memory: \(memory) } }"
            let watcher = Watcher(world: world, project: project, network: ManagedLabels.network(of: "bench", key))
            let watching = Task { await watcher.run() }
            try await world.operations.apply(try SpecLoader.load(spec(project, service: service), file: "codeb.yaml"), environment: .production, author: "bench")
            _ = try await eventually("the change of \(project)", within: .seconds(120), every: .milliseconds(5)) { () -> Bool? in
                _ = try await world.reconciler.reconcile(key)
                let containers = try await world.docker.listManaged(project: project, environment: "production")
                let replaced = containers.filter { $0.labels[ManagedLabels.service] == "cache" }
                guard replaced.count == 1, let current = try await world.docker.inspect(replaced[0].id), current.memoryBytes == (memory == "128m" ? 128 : 192) << 20 else { return nil }
                return watcher.answeredSince(ContinuousClock.now - .milliseconds(50)) ? true : nil
            }
            watching.cancel()
            changes.append(await watching.value)

            let current = try required(try await world.docker.listManaged(project: project, environment: "production").first { $0.labels[ManagedLabels.service] == "cache" }, "the cache container")
            let direct = Watcher(world: world, project: project, network: ManagedLabels.network(of: "bench", key))
            let floor = Task { await direct.run() }
            try await Task.sleep(for: .milliseconds(100))
            try await world.docker.stop(current.id, timeout: .seconds(1))
            try await world.docker.start(current.id)
            _ = try await eventually("the restarted service answering", within: .seconds(60), every: .milliseconds(5)) { () -> Bool? in
                direct.answeredSince(ContinuousClock.now - .milliseconds(50)) ? true : nil
            }
            floor.cancel()
            floors.append(await floor.value)
        }
        let c = Stats(changes), f = Stats(floors)
        print("Figure 14 — a service's downtime when its spec changes (backup, stop, new container on the volume; n=3):")
        print("  median \(ms(c.median)) (max \(ms(changes.max() ?? 0))) without a connection; floor (the same container stopped and started): median \(ms(f.median)); ratio \(String(format: "%.2f", c.median / f.median))")
    }

    /// Probes every running container of the service every 10 ms; `run()` returns the longest
    /// gap between accepted connections once cancelled.
    final class Watcher: Sendable {
        let world: World
        let project: String
        let network: String
        let lastAnswer = Mutex<ContinuousClock.Instant?>(nil)

        init(world: World, project: String, network: String) {
            self.world = world
            self.project = project
            self.network = network
        }

        func answeredSince(_ instant: ContinuousClock.Instant) -> Bool { lastAnswer.withLock { $0.map { $0 >= instant } ?? false } }

        func run() async -> Double {
            let probe = HTTPHealthProbe()
            var longest = 0.0
            var previous: ContinuousClock.Instant?
            while !Task.isCancelled {
                let containers = (try? await world.docker.listManaged(project: project, environment: "production")) ?? []
                var answered = false
                for container in containers where container.labels[ManagedLabels.service] != nil && container.state == .running {
                    guard let address = container.networks?[network], !address.isEmpty else { continue }
                    if await probe.probeTCP(host: address, port: 6379, timeout: .milliseconds(100)).healthy { answered = true }
                }
                if answered {
                    let now = ContinuousClock.now
                    if let previous { longest = max(longest, seconds(now - previous)) }
                    previous = now
                    lastAnswer.withLock { $0 = now }
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return longest
        }
    }

    /// The docker CLI with `arguments`, its output to `path` (or nowhere).
    static func dockerCP(_ arguments: [String], stdoutTo path: String? = nil) async throws {
        try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/docker")
            process.arguments = arguments
            if let path {
                FileManager.default.createFile(atPath: path, contents: nil)
                process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            } else {
                process.standardOutput = FileHandle.nullDevice
            }
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchFailure("docker \(arguments.joined(separator: " ")) exited \(process.terminationStatus)") }
        }
    }
}

/// A value the bench needs, or a failure naming it.
func required<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw BenchFailure("\(what) is missing") }
    return value
}
