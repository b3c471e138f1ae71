#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import Drivers
import Foundation
import NIOCore
import State
import Synchronization

/// Label every test container carries, so cleanup finds exactly what a test made.
public let testScopeLabel = "codeb.test-scope"

/// What one test created on the real dockerd; removed afterwards whether the test passed or not.
public struct TestScope: Sendable {
    public let id = "t" + UUID().uuidString.prefix(8).lowercased()
    public let docker = DockerRuntime()

    public init() {}

    /// A unique container name within this run.
    public func name(_ suffix: String) -> String { "codeb-test-\(id)-\(suffix)" }

    /// A container spec for the busybox test image, labelled for cleanup.
    public func webSpec(_ suffix: String, version: Int = 1, hostPort: Int, command: [String]? = nil) -> ContainerSpec {
        ContainerSpec(
            name: name(suffix), image: "codeb-test/web:\(version)", command: command,
            env: ["CODEB_TEST": "1"],
            labels: [testScopeLabel: id, ManagedLabels.project: "codeb-test", ManagedLabels.slot: "blue"],
            containerPort: 8080, hostPort: hostPort,
            memoryBytes: 64 << 20, nanoCPUs: 500_000_000, stopTimeoutSeconds: 2
        )
    }

    /// Runs `body`, then removes every managed container labelled with this scope.
    public static func run(isolation: isolated (any Actor)? = #isolation, _ body: (TestScope) async throws -> Void) async throws {
        let scope = TestScope()
        do {
            try await body(scope)
        } catch {
            await scope.cleanUp()
            throw error
        }
        await scope.cleanUp()
    }

    public func cleanUp() async {
        guard let containers = try? await docker.listManaged() else { return }
        for container in containers where container.labels[testScopeLabel] == id {
            try? await docker.remove(container.id)
        }
    }
}

/// A free TCP port on loopback (the kernel picks it; closed again before use).
public enum FreePort {
    /// Whether nothing listens on (or holds) 127.0.0.1:`port`.
    public static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = Loopback.address(port: port)
        // TIME_WAIT leftovers of earlier connections do not hold a port; only a listener does.
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } } == 0
    }

    /// A port below the kernel's ephemeral range (32768–60999 here): a port the kernel hands out
    /// for `bind(0)` is also what it gives outgoing connections as their source port, so by the
    /// time a container's proxy binds it, a client may hold it ("address already in use", seen
    /// once in a full run). Ports here are taken in turn from a random start, skipping any that
    /// something holds, and never twice in one process.
    public static func next() -> Int {
        while true {
            let offset = counter.add(1, ordering: .relaxed).newValue
            let port = range.lowerBound + (start + offset) % range.count
            if isFree(port) { return port }
        }
    }

    /// Clear of the codeb ranges (4100–5499), the API (9101) and the ephemeral range.
    static let range = 20000..<32000
    static let start = Int.random(in: 0..<12000)
    static let counter = Atomic<Int>(0)
}

/// Polls `check` until it returns a value or `deadline` passes; the last error explains a timeout.
public func eventually<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ what: String, within deadline: Duration = .seconds(20), every interval: Duration = .milliseconds(100),
    _ check: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    var lastError: (any Error)?
    while clock.now < end {
        do {
            if let value = try await check() { return value }
        } catch {
            lastError = error
        }
        try await Task.sleep(for: interval)
    }
    throw TimedOut(what: what, lastError: lastError.map { "\($0)" })
}

public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var lastError: String?
    public var description: String { "timed out waiting for \(what)" + (lastError.map { " (last error: \($0))" } ?? "") }
}

/// The client `httpGet` uses: a refused connection fails at once rather than backing off, so
/// polling a container that is still starting sees it the moment it listens.
let testHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.timeout = .init(connect: .seconds(2), read: nil)
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

/// A plain GET over TCP; returns the status and body.
public func httpGet(_ url: String, host: String? = nil, token: String? = nil, timeout: Duration = .seconds(2)) async throws -> (status: Int, body: String) {
    var request = HTTPClientRequest(url: url)
    if let host { request.headers.replaceOrAdd(name: "Host", value: host) }
    if let token { request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)") }
    // A new connection each time: a pooled keep-alive connection may have been closed by a
    // Caddy reload in between, which is the client's business, not what a test measures.
    request.headers.replaceOrAdd(name: "Connection", value: "close")
    let response = try await testHTTPClient.execute(request, timeout: .nanoseconds(timeout.inNanoseconds))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body))
}
