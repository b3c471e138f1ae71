import Foundation
import Spec

/// The controller's view of the container engine. Every call touches only containers that carry
/// `codeb.managed-by=codeb`; an attempt to change any other is refused with `.notManaged`.
///
/// `DockerRuntime` is the real implementation (Docker Engine API over its unix socket).
public protocol ContainerRuntime: Sendable {
    /// Checks the engine answers and speaks the pinned API version.
    func ping() async throws -> RuntimeInfo

    /// Every managed container, running or not, in one call.
    func listManaged() async throws -> [ContainerInfo]

    /// The managed containers labelled with one project and environment (a cache answers it
    /// from an index, so a pass costs O(its containers), not O(host)).
    func listManaged(project: String, environment: String) async throws -> [ContainerInfo]

    /// One container by ID or name, with its limits; nil when no such container exists.
    func inspect(_ idOrName: String) async throws -> ContainerInfo?

    /// Creates (does not start) a container; returns its ID. A taken name is `.conflict`.
    func create(_ spec: ContainerSpec) async throws -> String

    /// Starts a managed container; starting a running one is not an error.
    func start(_ id: String) async throws

    /// Stops a managed container: SIGTERM, then SIGKILL after `timeout`. Stopping a stopped one is not an error.
    func stop(_ id: String, timeout: Duration) async throws

    /// Removes a managed container, stopping it first if needed. Removing a missing one is not an error.
    func remove(_ id: String) async throws

    /// Gives a managed container another name (frees its name for a successor while it drains).
    func rename(_ id: String, to name: String) async throws

    /// The last `tail` lines (all when nil) the container printed; with `since`, only lines
    /// stamped after it. Lines carry their time when the engine keeps one.
    func logs(_ id: String, tail: Int?, since: LogTime?) async throws -> [LogLine]

    /// The container's output as it is printed, starting with the last `tail` lines (with
    /// `since`: every line stamped after it — a follower resuming where it stopped).
    func followLogs(_ id: String, tail: Int?, since: LogTime?) -> AsyncThrowingStream<LogLine, any Error>

    /// Whether the image is present locally.
    func imageExists(_ reference: String) async throws -> Bool

    /// The local image `reference` names (`sha256:…`), asked afresh (a tag may have moved);
    /// nil when there is none.
    func imageID(_ reference: String) async throws -> String?

    /// Pulls the image by its explicit tag or digest, sending `auth` to the registry when set;
    /// `progress` hears the bytes downloaded as layers arrive. Returns the manifest digest
    /// (`sha256:…`) the registry served, when it said. A failed pull throws `.imagePullFailed`
    /// (`.registryDenied` when the registry refused the login or asked for one).
    func pull(_ reference: String, auth: RegistryAuth?, progress: (@Sendable (PullProgress) -> Void)?) async throws -> String?

    /// Managed-container events from `since` on, surviving engine restarts; ends when cancelled.
    func events(since: Date?) -> AsyncStream<ContainerEvent>

    /// The networks codeb created (one per team), by name.
    func managedNetworks() async throws -> [String]

    /// Removes one of codeb's networks; a network still in use or already gone is left alone.
    func removeNetwork(_ name: String) async throws

    /// codeb's named volumes (a backing service's data), optionally only those labelled with
    /// one project and environment.
    func managedVolumes(project: String?, environment: String?) async throws -> [VolumeInfo]

    /// Removes one of codeb's volumes and its data; a missing one is not an error, one still
    /// mounted by a container is refused. Only `delete --purge-data` asks for it: no sweep does.
    func removeVolume(_ name: String) async throws

    /// The bytes each of `names` (codeb's volumes) holds, as the engine measured them (it walks
    /// every volume: a cost, so answers may be up to a minute old; a name not measured yet is
    /// measured now).
    func volumeSizes(_ names: Set<String>) async throws -> [String: Int64]

    /// Freezes a managed container's processes (the cgroup freezer): what it wrote is then a
    /// still picture, copied as a crash-consistent snapshot of its data.
    func pause(_ id: String) async throws

    /// Thaws a paused container; one that is not paused is left as it is.
    func unpause(_ id: String) async throws

    /// Streams a tar archive of `path` in a managed container to `sink`, chunk by chunk, and
    /// returns its size; the whole archive is never held in memory.
    func archive(_ id: String, path: String, into sink: @Sendable (Data) async throws -> Void) async throws -> Int64

    /// Extracts a tar archive, read chunk by chunk from `source` (nil at its end), at `path` of a
    /// managed container (created or stopped: nothing runs on the files meanwhile).
    func extract(_ id: String, path: String, from source: @escaping @Sendable () async throws -> Data?) async throws
}

extension ContainerRuntime {
    public func listManaged(project: String, environment: String) async throws -> [ContainerInfo] {
        try await listManaged().filter { $0.isOf(project: project, environment: environment) }
    }

    /// Pulls without a login or progress.
    public func pull(_ reference: String) async throws {
        _ = try await pull(reference, auth: nil, progress: nil)
    }
}

/// What the engine said about itself.
public struct RuntimeInfo: Sendable, Hashable, Codable {
    public var version: String
    public var apiVersion: String

    public init(version: String, apiVersion: String) {
        self.version = version
        self.apiVersion = apiVersion
    }
}

/// A container to create. `create` adds `codeb.managed-by=codeb` to `labels` itself.
public struct ContainerSpec: Sendable, Hashable, Codable {
    public var name: String
    public var image: String
    /// Overrides the image's CMD when set.
    public var command: [String]?
    public var env: [String: String]
    public var labels: [String: String]
    /// The app's port inside the container.
    public var containerPort: Int
    /// Published on `hostIP` only (loopback by default): Caddy is the only way in from outside.
    /// Nil: not published at all (a backing service is reached on its network only).
    public var hostPort: Int?
    public var hostIP: String
    public var memoryBytes: Int64
    public var nanoCPUs: Int64
    /// Processes and threads it may hold (the engine's pids cgroup limit).
    public var pidsLimit: Int
    /// SIGTERM→SIGKILL time the engine itself uses, e.g. on `docker stop` or a daemon shutdown.
    public var stopTimeoutSeconds: Int
    /// json-file log rotation: each file's size and how many are kept.
    public var logMaxSize: String
    public var logMaxFiles: Int
    /// The user-defined bridge to attach to (created, labelled, on first use); nil for Docker's
    /// default bridge.
    public var network: String?
    /// The environment's own internal network (no way out, no gateway), created on first use:
    /// its backing services live only there, under their aliases; its slots join it beside
    /// the team network. With `network` nil it is the container's only network.
    public var privateNetwork: PrivateNetwork?
    /// Named volumes mounted into it, created (labelled like the container) on first use.
    public var volumes: [VolumeMount]
    /// The secrets the container runs with, by the version each value was set in: the executor
    /// opens them and adds them to `env` just before `create`, so no plan carries a value.
    public var secrets: SecretsBinding?
    /// The variable a secret is given as when not its own name (a service's generated
    /// `DB_POSTGRES_PASSWORD` is its `POSTGRES_PASSWORD`).
    public var secretsAs: [String: String]

    public init(
        name: String, image: String, command: [String]? = nil, env: [String: String] = [:], secrets: SecretsBinding? = nil,
        labels: [String: String] = [:], containerPort: Int, hostPort: Int?, hostIP: String = "127.0.0.1",
        memoryBytes: Int64, nanoCPUs: Int64, pidsLimit: Int = Resources.defaultPids, stopTimeoutSeconds: Int = 30,
        logMaxSize: String = "10m", logMaxFiles: Int = 3, network: String? = nil, privateNetwork: PrivateNetwork? = nil,
        volumes: [VolumeMount] = [], secretsAs: [String: String] = [:]
    ) {
        self.secretsAs = secretsAs
        self.network = network
        self.privateNetwork = privateNetwork
        self.volumes = volumes
        self.secrets = secrets
        self.name = name
        self.image = image
        self.command = command
        self.env = env
        self.labels = labels
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.hostIP = hostIP
        self.memoryBytes = memoryBytes
        self.nanoCPUs = nanoCPUs
        self.pidsLimit = pidsLimit
        self.stopTimeoutSeconds = stopTimeoutSeconds
        self.logMaxSize = logMaxSize
        self.logMaxFiles = logMaxFiles
    }
}

/// An environment's internal network as one container joins it.
public struct PrivateNetwork: Sendable, Hashable, Codable {
    public var name: String
    /// The names it answers to there (a service's `cache`).
    public var aliases: [String]

    public init(name: String, aliases: [String] = []) {
        self.name = name
        self.aliases = aliases
    }
}

/// A named volume mounted at `target`.
public struct VolumeMount: Sendable, Hashable, Codable {
    public var volume: String
    public var target: String

    public init(volume: String, target: String) {
        self.volume = volume
        self.target = target
    }
}

/// A named volume as the engine reports it.
public struct VolumeInfo: Sendable, Hashable, Codable {
    public var name: String
    public var labels: [String: String]
    public var createdAt: Date?

    public init(name: String, labels: [String: String], createdAt: Date? = nil) {
        self.name = name
        self.labels = labels
        self.createdAt = createdAt
    }
}

/// A container as the engine reports it.
public struct ContainerInfo: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case created, running, paused, restarting, removing, exited, dead, unknown
    }

    public enum Health: String, Sendable, Hashable, Codable {
        case starting, healthy, unhealthy
    }

    public var id: String
    public var name: String
    public var image: String
    public var labels: [String: String]
    public var state: State
    /// The engine's own health check status, when the image defines one.
    public var health: Health?
    public var exitCode: Int?
    public var ports: [PublishedPort]
    /// Only `inspect` reports limits.
    public var memoryBytes: Int64?
    public var nanoCPUs: Int64?
    public var restartPolicy: String?
    public var oomKilled: Bool?
    /// The pids limit, security options and dropped capabilities; only `inspect` reports them.
    public var pidsLimit: Int64?
    public var securityOptions: [String]?
    public var droppedCapabilities: [String]?
    /// The networks it is attached to and its address on each; only `inspect` reports them.
    public var networks: [String: String]?

    public init(
        id: String, name: String, image: String, labels: [String: String], state: State,
        health: Health? = nil, exitCode: Int? = nil, ports: [PublishedPort] = [],
        memoryBytes: Int64? = nil, nanoCPUs: Int64? = nil, restartPolicy: String? = nil, oomKilled: Bool? = nil,
        networks: [String: String]? = nil
    ) {
        self.networks = networks
        self.id = id
        self.name = name
        self.image = image
        self.labels = labels
        self.state = state
        self.health = health
        self.exitCode = exitCode
        self.ports = ports
        self.memoryBytes = memoryBytes
        self.nanoCPUs = nanoCPUs
        self.restartPolicy = restartPolicy
        self.oomKilled = oomKilled
    }

    public var isManaged: Bool { ManagedLabels.isManaged(labels) }
}

/// A container port published on the host.
extension ContainerInfo {
    /// Whether its labels name this project and environment.
    public func isOf(project: String, environment: String) -> Bool {
        labels[ManagedLabels.project] == project && labels[ManagedLabels.environment] == environment
    }
}

public struct PublishedPort: Sendable, Hashable, Codable {
    public var hostIP: String
    public var hostPort: Int
    public var containerPort: Int

    public init(hostIP: String, hostPort: Int, containerPort: Int) {
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerPort = containerPort
    }
}

/// One line a container printed.
public struct LogLine: Sendable, Hashable, Codable {
    public enum Stream: String, Sendable, Hashable, Codable {
        case stdout, stderr
    }

    public var stream: Stream
    public var text: String
    /// When the engine stamped it.
    public var at: LogTime?

    public init(stream: Stream, text: String, at: LogTime? = nil) {
        self.stream = stream
        self.text = text
        self.at = at
    }
}

/// Something that happened to a managed container.
public struct ContainerEvent: Sendable, Hashable, Codable {
    public var action: String
    public var containerID: String
    public var name: String?
    public var labels: [String: String]
    public var exitCode: Int?
    /// Nanoseconds since 1970, as the engine stamps it.
    public var timeNano: Int64

    public init(action: String, containerID: String, name: String?, labels: [String: String], exitCode: Int?, timeNano: Int64) {
        self.action = action
        self.containerID = containerID
        self.name = name
        self.labels = labels
        self.exitCode = exitCode
        self.timeNano = timeNano
    }

    /// Said by an event stream after it reconnected: events may have been lost meanwhile
    /// (dockerd keeps none across a restart), so a cache of containers must list them again.
    public static let resumed = ContainerEvent(action: "codeb.resumed", containerID: "", name: nil, labels: [:], exitCode: nil, timeNano: 0)

    /// Whether this is `resumed` rather than something a container did.
    public var isResumed: Bool { action == Self.resumed.action && containerID.isEmpty }

    /// `health_status: healthy` → `health_status`; other actions as they are.
    public var kind: String {
        action.split(separator: ":", maxSplits: 1).first.map(String.init) ?? action
    }
}

extension ContainerRuntime {
    public func logs(_ id: String, tail: Int?) async throws -> [LogLine] { try await logs(id, tail: tail, since: nil) }

    public func followLogs(_ id: String, tail: Int?) -> AsyncThrowingStream<LogLine, any Error> { followLogs(id, tail: tail, since: nil) }
}
