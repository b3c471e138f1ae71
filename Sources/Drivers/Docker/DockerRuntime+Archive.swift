import AsyncHTTPClient
import Foundation
import NIOCore
import State

extension DockerRuntime {
    public func pause(_ id: String) async throws {
        let (id, name) = try await knownManaged(id, "pause container \(id)")
        _ = try await call("pause container \(name)", .POST, "/containers/\(Self.pathComponent(id))/pause")
    }

    public func unpause(_ id: String) async throws {
        let (id, name) = try await knownManaged(id, "unpause container \(id)")
        // Not paused (409): already what was asked.
        _ = try await call("unpause container \(name)", .POST, "/containers/\(Self.pathComponent(id))/unpause", accept: [409])
    }

    public func archive(_ id: String, path: String, into sink: @Sendable (Data) async throws -> Void) async throws -> Int64 {
        let (id, name) = try await knownManaged(id, "copy \(path) out of \(id)")
        let operation = "copy \(path) out of \(name)"
        let request = makeRequest(.GET, "/containers/\(Self.pathComponent(id))/archive", query: [("path", path)])
        let response = try await execute(request, operation, timeout: .seconds(24 * 3600))
        guard response.status.code == 200 else {
            throw Self.error(for: response.status.code, body: try await collect(response, operation), operation: operation)
        }
        var bytes: Int64 = 0
        var chunks = response.body.makeAsyncIterator()
        while true {
            // Only a failure to read is dockerd's; the sink's (a full backup disk) is its own.
            let next: ByteBuffer?
            do {
                next = try await chunks.next()
            } catch {
                throw RuntimeError(.unavailable, operation: operation, message: "the archive from dockerd broke off after \(bytes) bytes (\(error))")
            }
            guard let chunk = next else { return bytes }
            bytes += Int64(chunk.readableBytes)
            try await sink(Data(chunk.readableBytesView))
        }
    }

    public func extract(_ id: String, path: String, from source: @escaping @Sendable () async throws -> Data?) async throws {
        let (id, name) = try await knownManaged(id, "copy into \(path) of \(id)")
        let operation = "copy into \(path) of \(name)"
        var request = makeRequest(.PUT, "/containers/\(Self.pathComponent(id))/archive", query: [("path", path)])
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-tar")
        let chunks = AsyncThrowingStream<ByteBuffer, any Error> {
            guard let data = try await source() else { return nil }
            return ByteBuffer(data: data)
        }
        request.body = .stream(chunks, length: .unknown)
        let response = try await execute(request, operation, timeout: .seconds(24 * 3600))
        let body = try await collect(response, operation)
        guard response.status.code < 300 else { throw Self.error(for: response.status.code, body: body, operation: operation) }
    }
}
