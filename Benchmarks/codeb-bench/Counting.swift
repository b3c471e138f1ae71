import Drivers
import Foundation
import Spec
import State
import Synchronization

/// Counts what a reconcile pass asks of the world, by wrapping the real drivers.
final class Counters: Sendable {
    struct Values {
        var dockerReads = 0
        var containerLists = 0
        var dockerWrites = 0
        var siteApplies = 0
        var reloads = 0
        var storeWrites = 0
        var failedPasses = 0
        var dockerWriteTime = Duration.zero
        var siteApplyTime = Duration.zero
    }

    let values = Mutex(Values())
    func add(_ change: @Sendable (inout Values) -> Void) { values.withLock { change(&$0) } }
    func reset() -> Values {
        values.withLock { current in
            let taken = current
            current = Values()
            return taken
        }
    }
}

struct CountingRuntime: ContainerRuntime {
    let base: any ContainerRuntime
    let counters: Counters

    func read<T>(_ body: () async throws -> T) async rethrows -> T { counters.add { $0.dockerReads += 1 }; return try await body() }
    func write<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            counters.add { $0.dockerWrites += 1; $0.dockerWriteTime += elapsed }
        }
        return try await body()
    }

    func ping() async throws -> RuntimeInfo { try await read { try await base.ping() } }
    func listManaged() async throws -> [ContainerInfo] {
        counters.add { $0.containerLists += 1 }
        return try await read { try await base.listManaged() }
    }
    func inspect(_ idOrName: String) async throws -> ContainerInfo? { try await read { try await base.inspect(idOrName) } }
    func create(_ spec: ContainerSpec) async throws -> String { try await write { try await base.create(spec) } }
    func start(_ id: String) async throws { try await write { try await base.start(id) } }
    func stop(_ id: String, timeout: Duration) async throws { try await write { try await base.stop(id, timeout: timeout) } }
    func remove(_ id: String) async throws { try await write { try await base.remove(id) } }
    func rename(_ id: String, to name: String) async throws { try await write { try await base.rename(id, to: name) } }
    func logs(_ id: String, tail: Int?, since: LogTime?) async throws -> [LogLine] { try await read { try await base.logs(id, tail: tail, since: since) } }
    func followLogs(_ id: String, tail: Int?, since: LogTime?) -> AsyncThrowingStream<LogLine, any Error> { base.followLogs(id, tail: tail, since: since) }
    func imageExists(_ reference: String) async throws -> Bool { try await read { try await base.imageExists(reference) } }
    func imageID(_ reference: String) async throws -> String? { try await read { try await base.imageID(reference) } }
    func pull(_ reference: String, auth: RegistryAuth?, progress: (@Sendable (PullProgress) -> Void)?) async throws -> String? {
        try await write { try await base.pull(reference, auth: auth, progress: progress) }
    }
    func events(since: Date?) -> AsyncStream<ContainerEvent> { base.events(since: since) }
    func managedNetworks() async throws -> [String] { try await read { try await base.managedNetworks() } }
    func removeNetwork(_ name: String) async throws { try await write { try await base.removeNetwork(name) } }
    func managedVolumes(project: String?, environment: String?) async throws -> [VolumeInfo] {
        try await base.managedVolumes(project: project, environment: environment)
    }
    func removeVolume(_ name: String) async throws { try await write { try await base.removeVolume(name) } }
    func volumeSizes(_ names: Set<String>) async throws -> [String: Int64] { try await base.volumeSizes(names) }
    func pause(_ id: String) async throws { try await write { try await base.pause(id) } }
    func unpause(_ id: String) async throws { try await write { try await base.unpause(id) } }
    func archive(_ id: String, path: String, into sink: @Sendable (Data) async throws -> Void) async throws -> Int64 {
        try await base.archive(id, path: path, into: sink)
    }
    func extract(_ id: String, path: String, from source: @escaping @Sendable () async throws -> Data?) async throws {
        try await write { try await base.extract(id, path: path, from: source) }
    }
}

struct CountingRouter: TrafficRouter {
    let base: any TrafficRouter
    let counters: Counters

    func check() async throws { try await base.check() }
    func listSites() async throws -> [ManagedSite] { try await base.listSites() }
    func site(_ key: EnvironmentKey) async throws -> ManagedSite? { try await base.site(key) }
    func render(_ site: SiteConfig) -> String { base.render(site) }
    func confirm(_ site: SiteConfig, path: String, waiting: @escaping @Sendable (String?) async -> Void) async throws -> ConfirmOutcome {
        try await base.confirm(site, path: path, waiting: waiting)
    }
    func certificates(for domains: [Hostname], internalCA: Bool) async -> [ServedCertificate] { await base.certificates(for: domains, internalCA: internalCA) }
    func apply(_ changes: [SiteChange]) async throws -> SiteApplyReport {
        let start = ContinuousClock.now
        let report = try await base.apply(changes)
        let elapsed = ContinuousClock.now - start
        counters.add {
            $0.siteApplies += 1
            $0.siteApplyTime += elapsed
            $0.reloads += report.reloaded ? 1 : 0
        }
        return report
    }
}

struct CountingStore: Store {
    let base: any Store
    let counters: Counters

    func keys() async throws -> [EnvironmentKey] { try await base.keys() }
    func load(_ key: EnvironmentKey) async throws -> EnvironmentState? { try await base.load(key) }
    func changes() -> AsyncStream<EnvironmentKey> { base.changes() }
    func identity() async throws -> String { try await base.identity() }
    func update<T: Sendable>(_ key: EnvironmentKey, _ body: @escaping @Sendable (inout EnvironmentState?, Claims) throws -> T) async throws -> T {
        let counters = self.counters
        return try await base.update(key) { state, claims in
            let before = state
            let result = try body(&state, claims)
            if state != before { counters.add { $0.storeWrites += 1 } }
            return result
        }
    }
}
