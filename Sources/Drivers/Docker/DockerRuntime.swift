import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Spec
import State

/// `ContainerRuntime` on the Docker Engine API, spoken over dockerd's unix socket with the API
/// version pinned. No call builds a shell command.
public struct DockerRuntime: ContainerRuntime {
    /// The Engine API version codeb speaks (dockerd 20.10, Debian 12's, serves it; newer ones too).
    public static let apiVersion = "1.41"
    public static let defaultSocketPath = "/var/run/docker.sock"

    public let socketPath: String
    let endpoint: HTTPEndpoint
    let logger: Logger
    /// Containers known to be codeb's and team network IDs, shared by copies of this runtime.
    let memo = DockerMemo()

    public init(socketPath: String = DockerRuntime.defaultSocketPath, logger: Logger = Logger(label: "codeb.docker")) {
        self.socketPath = socketPath
        self.endpoint = .unix(path: socketPath)
        self.logger = logger
    }

    // MARK: - Engine

    public func ping() async throws -> RuntimeInfo {
        let operation = "reach dockerd"
        let (_, pong) = try await call(operation, .GET, "/_ping", versioned: false)
        guard String(decoding: pong, as: UTF8.self) == "OK" else {
            throw RuntimeError(.badResponse, operation: operation, message: "/_ping answered \(String(decoding: pong.prefix(100), as: UTF8.self).debugDescription), not OK")
        }
        let (_, body) = try await call(operation, .GET, "/version", versioned: false)
        let version = try decode(DockerVersionWire.self, body, operation)
        guard Self.compare(version.ApiVersion, Self.apiVersion) >= 0 else {
            throw RuntimeError(.unavailable, operation: operation, message: "dockerd \(version.Version) speaks API \(version.ApiVersion); codeb needs \(Self.apiVersion) or newer")
        }
        return RuntimeInfo(version: version.Version, apiVersion: version.ApiVersion)
    }

    // MARK: - Containers

    public func listManaged() async throws -> [ContainerInfo] {
        let filters = #"{"label":["\#(ManagedLabels.managedBy)=\#(ManagedLabels.managedByValue)"]}"#
        let (_, body) = try await call("list managed containers", .GET, "/containers/json", query: [("all", "1"), ("filters", filters)])
        let summaries = try decode([DockerSummaryWire].self, body, "list managed containers")
        // The filter is the engine's; checking again here keeps the fence even if it were ignored.
        let managed = summaries.map(Self.info(from:)).filter(\.isManaged)
        memo.listed(managed.map { ($0.id, $0.name) })
        return managed
    }

    public func inspect(_ idOrName: String) async throws -> ContainerInfo? {
        let operation = "inspect container \(idOrName)"
        let (status, body) = try await call(operation, .GET, "/containers/\(Self.pathComponent(idOrName))/json", accept: [404])
        guard status != 404 else { return nil }
        let info = Self.info(from: try decode(DockerInspectWire.self, body, operation))
        if info.isManaged { memo.managed(info.id, name: info.name) }
        return info
    }

    public func create(_ spec: ContainerSpec) async throws -> String {
        let operation = "create container \(spec.name)"
        guard Self.isValidName(spec.name) else {
            throw RuntimeError(.engine, operation: operation, message: "`\(spec.name)` is not a valid container name")
        }
        var labels = spec.labels
        labels[ManagedLabels.managedBy] = ManagedLabels.managedByValue
        // By ID: the name may (briefly) stand for two networks.
        var network: String?
        if let name = spec.network { network = try await ensureNetwork(name, team: spec.labels[ManagedLabels.team]) }
        var privateNetwork: String?
        if let joined = spec.privateNetwork {
            privateNetwork = try await ensureNetwork(joined.name, team: spec.labels[ManagedLabels.team], isInternal: true, owner: Self.ownerLabels(spec.labels))
        }
        for mount in spec.volumes {
            try await ensureVolume(mount.volume, labels: Self.ownerLabels(spec.labels).merging([ManagedLabels.service: spec.labels[ManagedLabels.service] ?? ""]) { $1 })
        }
        let portKey = "\(spec.containerPort)/tcp"
        // Without a network of its own the private one is the container's first; else it is
        // joined after the create (API 1.41 attaches one network at create).
        var first: (name: String, id: String, aliases: [String]?)?
        if let name = spec.network, let network {
            first = (name, network, nil)
        } else if let joined = spec.privateNetwork, let privateNetwork {
            first = (joined.name, privateNetwork, joined.aliases)
        }
        var wire = DockerCreateWire(
            Image: spec.image,
            Cmd: spec.command,
            Env: spec.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            Labels: labels,
            // The engine ignores PortBindings for ports that are not exposed.
            ExposedPorts: [portKey: .init()],
            StopTimeout: spec.stopTimeoutSeconds,
            HostConfig: .init(
                PortBindings: spec.hostPort.map { [portKey: [.init(HostIp: spec.hostIP, HostPort: String($0))]] } ?? [:],
                NetworkMode: first?.id,
                Memory: spec.memoryBytes,
                NanoCpus: spec.nanoCPUs,
                PidsLimit: Int64(spec.pidsLimit),
                SecurityOpt: ["no-new-privileges:true"],
                CapDrop: ["NET_RAW"],
                RestartPolicy: .init(Name: "unless-stopped"),
                Init: true,
                LogConfig: .init(Type: "json-file", Config: ["max-size": spec.logMaxSize, "max-file": String(spec.logMaxFiles)]),
                Mounts: spec.volumes.isEmpty ? nil : spec.volumes.map { .init(Type: "volume", Source: $0.volume, Target: $0.target) }
            ),
            NetworkingConfig: first.map { .init(EndpointsConfig: [$0.name: .init(NetworkID: $0.id, Aliases: $0.aliases)]) }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var body: Data
        do {
            (_, body) = try await call(operation, .POST, "/containers/create", query: [("name", spec.name)], body: try encoder.encode(wire))
        } catch let error as RuntimeError where error.status == 404 && error.message.contains("No such image") {
            memo.image(spec.image, present: false)
            throw error
        } catch let error as RuntimeError where error.status == 404 && error.message.contains("network") {
            // The team network went between the check and the create (a sweep, or a duplicate
            // removed by another controller): find or make it again, once.
            guard let retried = first else { throw error }
            memo.network(retried.name, id: nil)
            let isPrivate = spec.network == nil
            let id = try await ensureNetwork(
                retried.name, team: spec.labels[ManagedLabels.team], isInternal: isPrivate, owner: isPrivate ? Self.ownerLabels(spec.labels) : nil)
            wire.HostConfig.NetworkMode = id
            wire.NetworkingConfig = .init(EndpointsConfig: [retried.name: .init(NetworkID: id, Aliases: retried.aliases)])
            (_, body) = try await call(operation, .POST, "/containers/create", query: [("name", spec.name)], body: try encoder.encode(wire))
        }
        let id = try decode(DockerIDWire.self, body, operation).Id
        memo.managed(id, name: spec.name)
        if network != nil, let joined = spec.privateNetwork, let privateNetwork {
            do {
                try await connect(id, to: privateNetwork, name: joined.name, aliases: joined.aliases)
            } catch {
                // Half made is not made: the next pass creates it again.
                try? await remove(id)
                throw error
            }
        }
        logger.info("created container", metadata: ["container": "\(spec.name)", "id": "\(id.prefix(12))", "image": "\(spec.image)"])
        return id
    }

    /// The labels that say whose a network or volume made for a container is.
    static func ownerLabels(_ labels: [String: String]) -> [String: String] {
        labels.filter { [ManagedLabels.team, ManagedLabels.project, ManagedLabels.environment, ManagedLabels.store].contains($0.key) }
    }

    public func start(_ id: String) async throws {
        let (id, current) = try await knownManaged(id, "start container \(id)")
        _ = try await call("start container \(current)", .POST, "/containers/\(Self.pathComponent(id))/start", accept: [304])
    }

    public func rename(_ id: String, to name: String) async throws {
        let (id, current) = try await knownManaged(id, "rename container \(id)")
        _ = try await call("rename container \(current) to \(name)", .POST, "/containers/\(Self.pathComponent(id))/rename", query: [("name", name)])
        memo.managed(id, name: name)
        logger.info("renamed container", metadata: ["container": "\(current)", "to": "\(name)"])
    }

    public func stop(_ id: String, timeout: Duration) async throws {
        let info = try await requireManaged(id, "stop container \(id)")
        let seconds = max(0, Int(timeout.components.seconds))
        _ = try await call(
            "stop container \(info.name)", .POST, "/containers/\(Self.pathComponent(info.id))/stop",
            query: [("t", String(seconds))], accept: [304], timeout: .seconds(seconds + 30)
        )
        logger.info("stopped container", metadata: ["container": "\(info.name)"])
    }

    public func remove(_ id: String) async throws {
        let operation = "remove container \(id)"
        guard let info = try await inspect(id) else { return }
        guard info.isManaged else {
            throw RuntimeError(.notManaged, operation: operation, message: "\(info.name) does not carry \(ManagedLabels.managedBy)=codeb; codeb leaves it alone")
        }
        _ = try await call(operation, .DELETE, "/containers/\(Self.pathComponent(info.id))", query: [("force", "1"), ("v", "1")], accept: [404])
        memo.removed(info.id)
        logger.info("removed container", metadata: ["container": "\(info.name)"])
    }

    // MARK: - Images

    public func imageExists(_ reference: String) async throws -> Bool {
        if memo.imagePresent(reference) { return true }
        let (status, _) = try await call("inspect image \(reference)", .GET, "/images/\(Self.pathComponent(reference))/json", accept: [404])
        memo.image(reference, present: status != 404)
        return status != 404
    }

    public func imageID(_ reference: String) async throws -> String? {
        let operation = "inspect image \(reference)"
        let (status, body) = try await call(operation, .GET, "/images/\(Self.pathComponent(reference))/json", accept: [404])
        guard status != 404 else {
            memo.image(reference, present: false)
            return nil
        }
        return try decode(DockerImageWire.self, body, operation).Id
    }

    public func pull(_ reference: String, auth: RegistryAuth?, progress: (@Sendable (PullProgress) -> Void)?) async throws -> String? {
        let started = ContinuousClock.now
        do {
            let (digest, bytes) = try await pullStream(reference, auth: auth, progress: progress)
            Timer(label: MetricFamily.imagePullSeconds.name, dimensions: [("result", "ok")]).recordInterval(since: started)
            Counter(label: MetricFamily.imagePullBytesTotal.name).increment(by: Int(clamping: bytes))
            return digest
        } catch {
            Timer(label: MetricFamily.imagePullSeconds.name, dimensions: [("result", "failed")]).recordInterval(since: started)
            throw error
        }
    }

    /// The pull itself: the digest, and the bytes the layers downloaded (already present: 0).
    private func pullStream(_ reference: String, auth: RegistryAuth?, progress: (@Sendable (PullProgress) -> Void)?) async throws -> (String?, Int64) {
        let operation = "pull image \(reference)"
        let image: ImageReference
        do {
            image = try ImageReference(parsing: reference)
        } catch {
            throw RuntimeError(.imagePullFailed, operation: operation, message: error.message)
        }
        let repository = (image.registry.map { "\($0)/" } ?? "") + image.repository
        // An explicit tag or digest: never let the engine pull every tag of a repository.
        let tag = image.digest ?? image.tag ?? "latest"
        var request = makeRequest(.POST, "/images/create", query: [("fromImage", repository), ("tag", tag)], versioned: true)
        if let auth { request.headers.replaceOrAdd(name: "X-Registry-Auth", value: Self.registryAuthHeader(auth)) }
        let response = try await execute(request, operation, timeout: .seconds(600))
        guard response.status.code == 200 else {
            let body = try await collect(response, operation)
            throw Self.pullError(Self.error(for: response.status.code, body: body, operation: operation))
        }
        var tracker = PullTracker()
        do {
            for try await chunk in response.body {
                if let message = tracker.feed(chunk.readableBytesView) {
                    throw Self.pullError(RuntimeError(.imagePullFailed, operation: operation, message: message))
                }
                if tracker.changed, let progress { progress(tracker.progress) }
            }
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError(.unavailable, operation: operation, message: "the pull's progress from dockerd broke off (\(error))")
        }
        if let message = tracker.finish() {
            throw Self.pullError(RuntimeError(.imagePullFailed, operation: operation, message: message))
        }
        logger.info("pulled image", metadata: ["image": "\(reference)", "digest": "\(tracker.digest ?? "-")"])
        return (tracker.digest, tracker.progress.current)
    }

    /// `X-Registry-Auth`: base64url of the login as JSON, as the Engine API expects.
    static func registryAuthHeader(_ auth: RegistryAuth) -> String {
        struct Wire: Encodable { var username: String, password: String, serveraddress: String }
        let json = (try? JSONEncoder().encode(Wire(username: auth.username, password: auth.password, serveraddress: auth.server))) ?? Data()
        return json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// A pull the registry refused for want of a login is `.registryDenied`, so the caller can
    /// say which login to make; the engine's own words are kept.
    static func pullError(_ error: RuntimeError) -> RuntimeError {
        let text = error.message.lowercased()
        let denied = ["unauthorized", "no basic auth credentials", "authentication required", "denied", "401"].contains { text.contains($0) }
        guard denied else {
            return RuntimeError(error.kind == .notFound ? .notFound : .imagePullFailed, operation: error.operation, message: error.message, status: error.status)
        }
        return RuntimeError(.registryDenied, operation: error.operation, message: error.message, status: error.status)
    }

    /// A failed pull still answers 200; the failure is a JSON line in the progress stream.
    static func pullFailure(in body: Data) -> String? {
        var tracker = PullTracker()
        return tracker.feed(body) ?? tracker.finish()
    }

    // MARK: - Helpers

    /// Inspects `id` and refuses containers codeb does not manage.
    /// The full ID and name of a container that must be codeb's: from the memo when this
    /// runtime already knows it (no call), else from an inspect.
    func knownManaged(_ id: String, _ operation: String) async throws -> (id: String, name: String) {
        if let name = memo.managedName(id) { return (id, name) }
        let info = try await requireManaged(id, operation)
        return (info.id, info.name)
    }

    func requireManaged(_ id: String, _ operation: String) async throws -> ContainerInfo {
        guard let info = try await inspect(id) else {
            throw RuntimeError(.notFound, operation: operation, message: "no such container", status: 404)
        }
        guard info.isManaged else {
            throw RuntimeError(.notManaged, operation: operation, message: "\(info.name) does not carry \(ManagedLabels.managedBy)=codeb; codeb leaves it alone")
        }
        return info
    }

    func makeRequest(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], versioned: Bool = true) -> HTTPClientRequest {
        let prefix = versioned ? "/v\(Self.apiVersion)" : ""
        return DriverHTTP.request(endpoint, method, prefix + path + DriverHTTP.query(query))
    }

    func execute(_ request: HTTPClientRequest, _ operation: String, timeout: Duration) async throws -> HTTPClientResponse {
        // Without this check a missing socket costs the whole connect timeout before failing.
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw RuntimeError(.unavailable, operation: operation, message: "no socket at \(socketPath); is dockerd running?")
        }
        do {
            return try await DriverHTTP.client.execute(request, timeout: TimeAmount(timeout))
        } catch let error as RuntimeError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw RuntimeError(.unavailable, operation: operation, message: "cannot reach dockerd on \(socketPath) (\(error)); is dockerd running, and may this user use its socket?")
        }
    }

    func collect(_ response: HTTPClientResponse, _ operation: String) async throws -> Data {
        do {
            return try await DriverHTTP.body(response)
        } catch {
            throw RuntimeError(.unavailable, operation: operation, message: "the answer from dockerd broke off (\(error))")
        }
    }

    /// One request with a collected body; statuses ≥ 300 not in `accept` become typed errors.
    func call(
        _ operation: String, _ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
        body: Data? = nil, accept: Set<Int> = [], timeout: Duration = .seconds(30), versioned: Bool = true
    ) async throws -> (status: Int, body: Data) {
        var request = makeRequest(method, path, query: query, versioned: versioned)
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let started = ContinuousClock.now
        do {
            let response = try await execute(request, operation, timeout: timeout)
            let data = try await collect(response, operation)
            let status = Int(response.status.code)
            Timer(label: MetricFamily.dockerRequestSeconds.name, dimensions: [("method", "\(method)")]).recordInterval(since: started)
            if status >= 300, !accept.contains(status) {
                throw Self.error(for: response.status.code, body: data, operation: operation)
            }
            return (status, data)
        } catch let error as RuntimeError {
            Counter(label: MetricFamily.dockerErrorsTotal.name, dimensions: [("kind", error.kind.rawValue)]).increment()
            throw error
        }
    }

    static func error(for code: UInt, body: Data, operation: String) -> RuntimeError {
        let message = (try? JSONDecoder().decode(DockerErrorWire.self, from: body).message)
            ?? String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let kind: RuntimeError.Kind
        switch code {
        case 404: kind = .notFound
        case 409: kind = .conflict
        default: kind = .engine
        }
        return RuntimeError(kind, operation: operation, message: message.isEmpty ? "HTTP \(code)" : message, status: Int(code))
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw RuntimeError(.badResponse, operation: operation, message: "cannot decode dockerd's answer: \(error)")
        }
    }

    static func pathComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:/@")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Docker's grammar for container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    static func isValidName(_ name: String) -> Bool {
        guard name.count >= 2, name.count <= 255, let first = name.first, first.isASCII, first.isLetter || first.isNumber else {
            return false
        }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// Compares dotted versions numerically (`1.41` < `1.43`).
    static func compare(_ lhs: String, _ rhs: String) -> Int {
        let left = lhs.split(separator: ".").map { Int($0) ?? 0 }, right = rhs.split(separator: ".").map { Int($0) ?? 0 }
        for index in 0..<max(left.count, right.count) {
            let l = index < left.count ? left[index] : 0, r = index < right.count ? right[index] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }
}
