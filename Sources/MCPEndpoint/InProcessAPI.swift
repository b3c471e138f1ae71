import APIModel
import CodebMCP
import Controller
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The API's own routes, called in-process for an MCP tool: a request carrying the caller's
/// `Authorization` header goes through the same middleware (authentication, roles, team
/// scoping) and handlers as over HTTP, with `via = "mcp"` so every audit entry it causes is
/// marked. Nothing reaches the API that an HTTP client with the same key could not send.
struct InProcessAPI: CodebAPI {
    let responder: RouterResponder<APIContext>
    /// The `/mcp` request's context: Hummingbird's per-request storage (logger, channel
    /// details) is reused; principal and parameters are set again by the inner routing.
    let context: APIContext
    let authorization: String

    func send(_ method: APIMethod, _ path: String, json: Data?) async throws -> (status: Int, body: Data) {
        var fields = HTTPFields()
        fields[.authorization] = authorization
        if json != nil { fields[.contentType] = "application/json" }
        let head = HTTPTypes.HTTPRequest(method: HTTPRequest.Method(method.rawValue)!, scheme: "http", authority: "codeb", path: path, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: json ?? Data())))
        var inner = context
        inner.principal = nil
        inner.via = "mcp"
        let response: Response
        do {
            response = try await responder.respond(to: request, context: inner)
        } catch {
            // Errors leave the middleware as `APIError`s; the server would answer them like this.
            response = try APIError.from(error).response(from: request, context: inner)
        }
        let collected = CollectedBody()
        try await response.body.write(CollectingBodyWriter(into: collected))
        return (Int(response.status.code), collected.data)
    }
}

/// A response body gathered in memory (the tools read whole, bounded answers).
final class CollectedBody: Sendable {
    private let buffer = Mutex(ByteBuffer())

    func append(_ part: ByteBuffer) {
        buffer.withLock { buffer in
            var part = part
            buffer.writeBuffer(&part)
        }
    }

    var data: Data { buffer.withLock { Data($0.readableBytesView) } }
}

struct CollectingBodyWriter: ResponseBodyWriter {
    let into: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws { into.append(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
