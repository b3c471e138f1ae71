@testable import Drivers
import Foundation
import State
import TestSupport
import Testing

extension DockerRuntimeTests {
    /// A rollout's critical path asks the engine only what it must: a container this runtime
    /// created (labels are fixed at creation, IDs never reused) is started and renamed without
    /// an inspect first, and the team network is looked up once. Counted by a proxy in front of
    /// dockerd.
    @Test func startAndRenameOfAContainerThisRuntimeCreatedNeedNoInspect() async throws {
        let proxy = try UnixSocketProxy(target: DockerRuntime.defaultSocketPath)
        defer { proxy.stop() }
        try await TestScope.run { scope in
            let docker = DockerRuntime(socketPath: proxy.path)
            var spec = scope.webSpec("memo", version: 1, hostPort: FreePort.next())
            spec.network = "codeb-test-memo-net"
            spec.labels[ManagedLabels.team] = "codeb-test-memo"
            let id = try await docker.create(spec)
            proxy.resetRequests()
            try await docker.start(id)
            try await docker.rename(id, to: scope.name("memo-renamed"))
            var second = scope.webSpec("memo2", version: 1, hostPort: FreePort.next())
            second.network = spec.network
            second.labels[ManagedLabels.team] = "codeb-test-memo"
            _ = try await docker.create(second)
            let requests = proxy.requests
            #expect(!requests.contains { $0.hasPrefix("GET") }, "no inspect, no network lookup: \(requests)")
            #expect(requests.filter { $0.hasPrefix("POST") }.count == 3, "\(requests)")
            #expect(try await DockerRuntime().inspect(id)?.name == scope.name("memo-renamed"))
        }
        try? await DockerRuntime().removeNetwork("codeb-test-memo-net")
    }

    /// An image found present is not asked about again; when it has gone since, the create that
    /// meets its absence says so (HTTP 404) and the next check asks the engine again, so the
    /// retried pass pulls it.
    @Test func anImageRemovedSinceItWasSeenIsLookedUpAgainAfterTheCreateFails() async throws {
        try await TestScope.run { scope in
            let docker = scope.docker
            let image = "codeb-test/memo-\(scope.id.prefix(8).lowercased()):1"
            try await TestRegistry.tagLocal("codeb-test/web:1", as: image)
            #expect(try await docker.imageExists(image))
            try await TestRegistry.removeLocal(image)
            #expect(try await docker.imageExists(image), "remembered: no call")
            var spec = scope.webSpec("memo-image", version: 1, hostPort: FreePort.next())
            spec.image = image
            let error = await #expect(throws: RuntimeError.self) { _ = try await docker.create(spec) }
            #expect(error?.status == 404, "\(String(describing: error))")
            #expect(try await docker.imageExists(image) == false)
        }
    }

    /// The memo never vouches for a container that is not codeb's: one without the label is
    /// refused by ID after the runtime has listed and created managed ones.
    @Test func aRuntimeThatKnowsManagedContainersStillRefusesAnUnmanagedOne() async throws {
        try await TestScope.run { scope in
            let docker = scope.docker
            _ = try await docker.create(scope.webSpec("memo-fence", version: 1, hostPort: FreePort.next()))
            _ = try await docker.listManaged()
            let stranger = try await UnmanagedContainerTests.createUnmanaged(name: scope.name("stranger"))
            Cleanup.add { try? await UnmanagedContainerTests.removeUnmanaged(stranger) }
            for operation in ["start", "rename"] {
                let error = await #expect(throws: RuntimeError.self) {
                    if operation == "start" { try await docker.start(stranger) } else { try await docker.rename(stranger, to: scope.name("taken")) }
                }
                #expect(error?.kind == .notManaged, "\(operation)")
            }
        }
    }
}
