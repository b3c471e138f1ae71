import Foundation
import State
import Synchronization

/// An in-memory container engine: the real executor and reconciler drive it in simulations.
/// Like the real one it lists and acts on managed containers only, refuses a taken name with
/// `.conflict`, and can be told to fail its next write (a crash half-way through a plan).
public final class FakeRuntime: ContainerRuntime {
    public struct Container: Sendable, Hashable {
        public var info: ContainerInfo
        public var spec: ContainerSpec?
    }

    struct World {
        var containers: [String: Container] = [:]
        var nextID = 0
        var writes = 0
        var failNextWrite = false
        /// What every pull answers, until cleared; nil pulls succeed.
        var pullFailure: RuntimeError?
        /// The logins pulls were sent with, by image.
        var pulls: [(image: String, auth: RegistryAuth?)] = []
        /// While set, a pull reports its progress and then waits.
        var holdPulls = false
        /// Calls of `listManaged` so far.
        var lists = 0
        /// Calls that named a container codeb does not manage: must stay empty.
        var touchedUnmanaged: [String] = []
        /// Host ports held by something outside the engine's containers (another process).
        var occupied: Set<Int> = []
        /// Local images by reference; a reference not here is present with an ID of its own
        /// unless it is in `absentImages`.
        var images: [String: String] = [:]
        var absentImages: Set<String> = []
        /// The image ID a pull of a reference leaves locally (default: its own).
        var pulledImages: [String: String] = [:]
        /// Named volumes by name.
        var volumes: [String: VolumeInfo] = [:]
    }

    private let world = Mutex(World())

    public init() {}

    // MARK: What tests see and do

    public var containers: [Container] { world.withLock { Array($0.containers.values) } }
    /// Creates, starts, stops and removes so far: a converged world adds none.
    public var writes: Int { world.withLock { $0.writes } }
    public var touchedUnmanaged: [String] { world.withLock { $0.touchedUnmanaged } }

    /// The next create, start, stop or remove throws, as if the controller died there.
    public func failNextWrite() { world.withLock { $0.failNextWrite = true } }

    /// `ports` are bound by another process: a container publishing one cannot start.
    public func occupy(_ ports: ClosedRange<Int>) { world.withLock { $0.occupied.formUnion(ports) } }

    /// The local image `reference` names is `id` (nil: it is absent).
    public func setImage(_ reference: String, id: String?) {
        world.withLock { world in
            if let id { world.images[reference] = id; world.absentImages.remove(reference) } else { world.images[reference] = nil; world.absentImages.insert(reference) }
        }
    }

    /// A successful pull of `reference` leaves image `id` locally.
    public func pullYields(_ reference: String, id: String) { world.withLock { $0.pulledImages[reference] = id } }

    /// Every pull fails with `error` (nil: pulls succeed again).
    public func failPulls(_ error: RuntimeError?) { world.withLock { $0.pullFailure = error } }

    /// How many times every container was listed.
    public var lists: Int { world.withLock { $0.lists } }

    /// Pulls report progress, then wait until `holdPulls(false)`: what a slow pull looks like.
    public func holdPulls(_ hold: Bool) { world.withLock { $0.holdPulls = hold } }

    /// The pulls made so far: which image, with which login.
    public var pulls: [(image: String, auth: RegistryAuth?)] { world.withLock { $0.pulls } }

    /// A container nobody manages (no `codeb.managed-by` label) with this ID.
    public func addStranger(id: String, name: String) {
        world.withLock { $0.containers[id] = Container(info: ContainerInfo(id: id, name: name, image: "other", labels: [:], state: .running)) }
    }

    /// What the engine would do to a container on its own (a crash) or a person by hand.
    public func set(_ id: String, state: ContainerInfo.State) { world.withLock { $0.containers[id]?.info.state = state } }
    public func delete(_ id: String) { _ = world.withLock { $0.containers.removeValue(forKey: id) } }

    /// The running container published on `port`, if any.
    public func running(onPort port: Int) -> Container? {
        world.withLock { $0.containers.values.first { $0.info.state == .running && $0.spec?.hostPort == port } }
    }

    // MARK: ContainerRuntime

    public func ping() async throws -> RuntimeInfo { RuntimeInfo(version: "fake", apiVersion: "1.41") }

    public func listManaged() async throws -> [ContainerInfo] {
        world.withLock { world in
            world.lists += 1
            return world.containers.values.map(\.info).filter(\.isManaged).sorted { $0.id < $1.id }
        }
    }

    public func inspect(_ idOrName: String) async throws -> ContainerInfo? {
        world.withLock { world in world.containers.values.first { $0.info.id == idOrName || $0.info.name == idOrName }?.info }
    }

    public func create(_ spec: ContainerSpec) async throws -> String {
        try write("create \(spec.name)") { world in
            if world.containers.values.contains(where: { $0.info.name == spec.name }) {
                throw RuntimeError(.conflict, operation: "create container \(spec.name)", message: "the name is taken", status: 409)
            }
            world.nextID += 1
            let id = "c\(world.nextID)"
            for mount in spec.volumes where world.volumes[mount.volume] == nil {
                var owner = spec.labels.filter { [ManagedLabels.team, ManagedLabels.project, ManagedLabels.environment, ManagedLabels.service].contains($0.key) }
                owner[ManagedLabels.managedBy] = ManagedLabels.managedByValue
                world.volumes[mount.volume] = VolumeInfo(name: mount.volume, labels: owner)
            }
            var labels = spec.labels
            labels[ManagedLabels.managedBy] = ManagedLabels.managedByValue
            world.containers[id] = Container(info: ContainerInfo(id: id, name: spec.name, image: spec.image, labels: labels, state: .created), spec: spec)
            return id
        }
    }

    public func start(_ id: String) async throws {
        try change(id, "start") { info, world in
            // As the engine: a host port that one running container publishes cannot be bound by another.
            if let port = world.containers[info.id]?.spec?.hostPort {
                let holder = world.containers.values.first { $0.info.id != info.id && $0.info.state == .running && $0.spec?.hostPort == port }
                if holder != nil || world.occupied.contains(port) {
                    let by = holder.map { " (by \($0.info.name))" } ?? ""
                    throw RuntimeError(.conflict, operation: "start container \(info.name)", message: "Bind for 127.0.0.1:\(port) failed: port is already allocated\(by)", status: 500)
                }
            }
            info.state = .running
        }
    }

    public func rename(_ id: String, to name: String) async throws {
        try change(id, "rename") { $0.name = name }
    }
    public func stop(_ id: String, timeout: Duration) async throws { try change(id, "stop") { $0.state = .exited } }

    public func remove(_ id: String) async throws {
        try write("remove \(id)") { world in
            guard let container = world.containers[id] else { return }
            guard container.info.isManaged else {
                world.touchedUnmanaged.append(id)
                throw RuntimeError(.notManaged, operation: "remove container \(id)", message: "not codeb's")
            }
            world.containers[id] = nil
        }
    }

    public func logs(_ id: String, tail: Int?, since: LogTime?) async throws -> [LogLine] { [] }
    public func followLogs(_ id: String, tail: Int?, since: LogTime?) -> AsyncThrowingStream<LogLine, any Error> { AsyncThrowingStream { $0.finish() } }
    public func imageExists(_ reference: String) async throws -> Bool { try await imageID(reference) != nil }
    public func imageID(_ reference: String) async throws -> String? {
        world.withLock { world in
            world.absentImages.contains(reference) ? nil : world.images[reference] ?? "sha256:local-" + reference
        }
    }
    public func pull(_ reference: String, auth: RegistryAuth?, progress: (@Sendable (PullProgress) -> Void)?) async throws -> String? {
        let failure = world.withLock { world in
            world.pulls.append((reference, auth))
            return world.pullFailure
        }
        if let failure { throw failure }
        world.withLock { world in
            world.images[reference] = world.pulledImages[reference] ?? world.images[reference] ?? "sha256:pulled-" + reference
            world.absentImages.remove(reference)
        }
        progress?(PullProgress(current: 1_000_000, total: 2_000_000))
        while world.withLock({ $0.holdPulls }) { try await Task.sleep(for: .milliseconds(5)) }
        return "sha256:" + String(repeating: "ab", count: 32)
    }
    public func events(since: Date?) -> AsyncStream<ContainerEvent> { AsyncStream { $0.finish() } }
    public func managedNetworks() async throws -> [String] { [] }
    public func removeNetwork(_ name: String) async throws {}

    /// The named volumes, by name.
    public var volumes: [String: VolumeInfo] { world.withLock { $0.volumes } }

    public func managedVolumes(project: String?, environment: String?) async throws -> [VolumeInfo] {
        world.withLock { world in
            world.volumes.values.filter { volume in
                project.map { volume.labels[ManagedLabels.project] == $0 } ?? true
                    && environment.map { volume.labels[ManagedLabels.environment] == $0 } ?? true
            }.sorted { $0.name < $1.name }
        }
    }

    /// What each container's paths hold, as archives (`archive` returns them, `extract` sets them).
    private let files = Mutex<[String: Data]>([:])

    public func pause(_ id: String) async throws { try change(id, "pause") { info, _ in info.state = .paused } }
    public func unpause(_ id: String) async throws { try change(id, "unpause") { info, _ in if info.state == .paused { info.state = .running } } }

    public func archive(_ id: String, path: String, into sink: @Sendable (Data) async throws -> Void) async throws -> Int64 {
        let data = files.withLock { $0[id + ":" + path] } ?? Data()
        try await sink(data)
        return Int64(data.count)
    }

    public func extract(_ id: String, path: String, from source: @escaping @Sendable () async throws -> Data?) async throws {
        var data = Data()
        while let chunk = try await source() { data += chunk }
        files.withLock { $0[id + ":" + path] = data }
    }

    public func volumeSizes(_ names: Set<String>) async throws -> [String: Int64] { [:] }

    public func removeVolume(_ name: String) async throws {
        try write("remove volume \(name)") { world in
            if world.containers.values.contains(where: { $0.spec?.volumes.contains { $0.volume == name } ?? false }) {
                throw RuntimeError(.conflict, operation: "remove volume \(name)", message: "volume is in use", status: 409)
            }
            world.volumes[name] = nil
        }
    }

    // MARK: Helpers

    private func write<T>(_ what: String, _ body: (inout World) throws -> T) throws -> T {
        try world.withLock { world in
            if world.failNextWrite {
                world.failNextWrite = false
                throw RuntimeError(.unavailable, operation: what, message: "injected failure")
            }
            world.writes += 1
            return try body(&world)
        }
    }

    private func change(_ id: String, _ verb: String, _ body: (inout ContainerInfo) -> Void) throws {
        try change(id, verb) { info, _ in body(&info) }
    }

    private func change(_ id: String, _ verb: String, _ body: (inout ContainerInfo, World) throws -> Void) throws {
        try write("\(verb) \(id)") { world in
            guard var container = world.containers[id] else {
                throw RuntimeError(.notFound, operation: "\(verb) container \(id)", message: "no such container", status: 404)
            }
            guard container.info.isManaged else {
                world.touchedUnmanaged.append(id)
                throw RuntimeError(.notManaged, operation: "\(verb) container \(id)", message: "not codeb's")
            }
            try body(&container.info, world)
            world.containers[id] = container
        }
    }
}
