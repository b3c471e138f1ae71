import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// The contract's generated server on the API's Hummingbird router.
///
/// Not swift-openapi-hummingbird's transport (the same few lines otherwise): it writes every
/// answer chunk by chunk, so a controller stopped in the middle of an answer left its client a
/// truncated JSON document to misread, where the API has always answered in one write — the
/// whole answer or none. Here an answer of known length is written whole; only a stream (logs,
/// events) is written as it comes.
struct RouterTransport: ServerTransport {
    let router: Router<APIContext>

    /// The most an answer of known length is held to be written whole (the largest is a project's
    /// status or the audit log's page, far below this).
    static let wholeAnswer = 16 << 20

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method, path: String
    ) throws {
        router.on(RouterPath(path), method: method) { request, context in
            var parameters: [String: Substring] = [:]
            for (name, value) in context.parameters where parameters[String(name)] == nil { parameters[String(name)] = value }
            let (response, body) = try await handler(request.head, Self.body(of: request), ServerRequestMetadata(pathParameters: parameters))
            return try await Self.response(response, body)
        }
    }

    static func body(of request: Request) -> HTTPBody {
        let length: HTTPBody.Length = request.headers[.contentLength].flatMap { Int64($0) }.map { .known($0) } ?? .unknown
        return HTTPBody(request.body.map { ArraySlice($0.readableBytesView) }, length: length, iterationBehavior: .single)
    }

    static func response(_ response: HTTPResponse, _ body: HTTPBody?) async throws -> Response {
        guard let body else { return Response(status: response.status, headers: response.headerFields) }
        if case .known(let length) = body.length, length <= wholeAnswer {
            let bytes = try await ArraySlice(collecting: body, upTo: Int(length))
            return Response(status: response.status, headers: response.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return Response(status: response.status, headers: response.headerFields, body: .init(asyncSequence: body.map { ByteBuffer(bytes: $0) }))
    }
}
