import Drivers
import Foundation
import State

/// A `ContainerRuntime` whose `listManaged` answers from a `ContainerCache`: changes go to the
/// engine and then update the cache (so a pass sees what the previous one did), and the event
/// stream updates it before the loop hears of the event. Everything else passes through.
public struct CachingRuntime: ContainerRuntime {
    public let base: any ContainerRuntime
    public let cache: ContainerCache

    public init(_ base: any ContainerRuntime, relistEvery: Duration = .seconds(300)) {
        self.base = base
        self.cache = ContainerCache(base: base, relistEvery: relistEvery)
    }

    public func listManaged() async throws -> [ContainerInfo] { try await cache.all() }
    public func listManaged(project: String, environment: String) async throws -> [ContainerInfo] {
        try await cache.containers(project: project, environment: environment)
    }

    public func inspect(_ idOrName: String) async throws -> ContainerInfo? {
        let info = try await base.inspect(idOrName)
        if let info { await cache.store(info) }
        return info
    }

    public func create(_ spec: ContainerSpec) async throws -> String {
        do {
            let id = try await base.create(spec)
            await cache.refresh(id)
            return id
        } catch {
            // A conflict means a container the cache may not know holds the name.
            await cache.invalidate()
            throw error
        }
    }

    public func start(_ id: String) async throws {
        try await changing(id) { try await base.start(id) }
        await cache.refresh(id)
    }

    public func stop(_ id: String, timeout: Duration) async throws {
        try await changing(id) { try await base.stop(id, timeout: timeout) }
        await cache.refresh(id)
    }

    public func rename(_ id: String, to name: String) async throws {
        try await changing(id) { try await base.rename(id, to: name) }
        await cache.refresh(id)
    }

    public func remove(_ id: String) async throws {
        try await changing(id) { try await base.remove(id) }
        await cache.forget(id)
    }

    /// Runs a change of `id`; when it fails, looks at the container again (it may have changed
    /// half-way) before the error goes on.
    private func changing(_ id: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await cache.refresh(id)
            throw error
        }
    }

    public func events(since: Date?) -> AsyncStream<ContainerEvent> {
        let upstream = base.events(since: since)
        let cache = self.cache
        return AsyncStream { continuation in
            let task = Task {
                for await event in upstream {
                    await cache.observe(event)
                    continuation.yield(event)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func ping() async throws -> RuntimeInfo { try await base.ping() }
    public func logs(_ id: String, tail: Int?, since: LogTime?) async throws -> [LogLine] { try await base.logs(id, tail: tail, since: since) }
    public func followLogs(_ id: String, tail: Int?, since: LogTime?) -> AsyncThrowingStream<LogLine, any Error> { base.followLogs(id, tail: tail, since: since) }
    public func imageExists(_ reference: String) async throws -> Bool { try await base.imageExists(reference) }
    public func imageID(_ reference: String) async throws -> String? { try await base.imageID(reference) }
    public func pull(_ reference: String, auth: RegistryAuth?, progress: (@Sendable (PullProgress) -> Void)?) async throws -> String? {
        try await base.pull(reference, auth: auth, progress: progress)
    }
    public func managedNetworks() async throws -> [String] { try await base.managedNetworks() }
    public func removeNetwork(_ name: String) async throws { try await base.removeNetwork(name) }
    public func managedVolumes(project: String?, environment: String?) async throws -> [VolumeInfo] {
        try await base.managedVolumes(project: project, environment: environment)
    }
    public func removeVolume(_ name: String) async throws { try await base.removeVolume(name) }
    public func volumeSizes(_ names: Set<String>) async throws -> [String: Int64] { try await base.volumeSizes(names) }
    public func pause(_ id: String) async throws { try await base.pause(id) }
    public func unpause(_ id: String) async throws { try await base.unpause(id) }
    public func archive(_ id: String, path: String, into sink: @Sendable (Data) async throws -> Void) async throws -> Int64 {
        try await base.archive(id, path: path, into: sink)
    }
    public func extract(_ id: String, path: String, from source: @escaping @Sendable () async throws -> Data?) async throws {
        try await base.extract(id, path: path, from: source)
    }
}
