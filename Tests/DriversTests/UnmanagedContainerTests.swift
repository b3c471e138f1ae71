import AsyncHTTPClient
import Drivers
import Foundation
import NIOCore
import State
import TestSupport
import Testing

/// A container codeb did not create (no `codeb.managed-by`) is invisible to it and untouchable.
@Suite(.timeLimit(.minutes(2)))
struct UnmanagedContainerTests {
    /// Creates a container through the raw Engine API, without codeb's label.
    static func createUnmanaged(name: String) async throws -> String {
        var request = HTTPClientRequest(url: "http+unix://%2Fvar%2Frun%2Fdocker.sock/v1.41/containers/create?name=\(name)")
        request.method = .POST
        request.headers.replaceOrAdd(name: "Host", value: "")
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"Image":"codeb-test/web:1","Labels":{"codeb.project":"looks-like-ours"}}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status.code == 201)
        struct Created: Decodable { var Id: String }
        return try JSONDecoder().decode(Created.self, from: Data(buffer: body)).Id
    }

    static func removeUnmanaged(_ id: String) async throws {
        var request = HTTPClientRequest(url: "http+unix://%2Fvar%2Frun%2Fdocker.sock/v1.41/containers/\(id)?force=1")
        request.method = .DELETE
        request.headers.replaceOrAdd(name: "Host", value: "")
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    }

    @Test func anUnmanagedContainerIsNeverListedOrTouched() async throws {
        let docker = DockerRuntime()
        let name = "codeb-test-unmanaged-\(UUID().uuidString.prefix(8).lowercased())"
        let id = try await Self.createUnmanaged(name: name)
        do {
            #expect(try await docker.listManaged().contains { $0.id == id } == false)
            for operation in ["start", "stop", "remove", "logs"] {
                let error = await #expect(throws: RuntimeError.self, "\(operation)") {
                    switch operation {
                    case "start": try await docker.start(name)
                    case "stop": try await docker.stop(name, timeout: .seconds(1))
                    case "remove": try await docker.remove(name)
                    default: _ = try await docker.logs(name, tail: 1)
                    }
                }
                #expect(error?.kind == .notManaged, "\(operation)")
            }
            let still = try #require(try await docker.inspect(id))
            #expect(still.state == .created)
            #expect(still.isManaged == false)
        } catch {
            try await Self.removeUnmanaged(id)
            throw error
        }
        try await Self.removeUnmanaged(id)
    }
}
