import AsyncHTTPClient
import Foundation
import MCP
import NIOCore
import NIOFoundationCompat

/// The controller's MCP endpoint (`POST /mcp`, streamable HTTP without sessions) as
/// `codeb mcp` uses it: every tool but `validate` runs in the controller, with the caller's
/// key, so the tool list (destructive tools included or not), roles and the audit log are
/// the controller's.
public struct ControllerMCPClient: Sendable {
    public let base: String
    let token: String

    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        // AsyncHTTPClient retries a refused connection until the connect timeout: keep it short,
        // so an assistant hears "cannot reach the controller" in 2 s, not 5. Reads outlast the
        // longest tool call (rollout_status waits up to 60 s).
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(90))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(base: String, token: String) {
        self.base = base
        self.token = token
    }

    /// The tools the controller offers this key.
    public func listTools() async throws -> [Tool] {
        try await rpc(ListTools.name, ListTools.Parameters(), as: ListTools.Result.self).tools
    }

    /// One tool call in the controller; a refusal is a result with `isError` and the API's error object.
    public func callTool(_ name: String, _ arguments: [String: Value]) async -> CallTool.Result {
        do {
            return try await rpc(CallTool.name, CallTool.Parameters(name: name, arguments: arguments), as: CallTool.Result.self)
        } catch {
            return .init(content: [.text(text: "\(error)", annotations: nil, _meta: nil)], isError: true)
        }
    }

    private struct RPCRequest<Parameters: Encodable>: Encodable {
        var jsonrpc = "2.0"
        var id = 1
        var method: String
        var params: Parameters
    }

    private struct RPCResponse<Result: Decodable>: Decodable {
        var result: Result?
        var error: RPCError?
    }

    private struct RPCError: Decodable {
        var code: Int
        var message: String
    }

    private func rpc<Parameters: Encodable, Result: Decodable>(_ method: String, _ parameters: Parameters, as: Result.Type) async throws -> Result {
        var request = HTTPClientRequest(url: base + "/mcp")
        request.method = .POST
        request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "Accept", value: "application/json, text/event-stream")
        request.headers.replaceOrAdd(name: "MCP-Protocol-Version", value: Version.latest)
        request.headers.replaceOrAdd(name: "User-Agent", value: "codeb-mcp")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(RPCRequest(method: method, params: parameters))))
        let response: HTTPClientResponse
        var body: ByteBuffer
        do {
            response = try await Self.http.execute(request, timeout: .seconds(90))
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw ToolFailure("cannot reach the codeb controller at \(base) (\(error)); is `codeb controller` running there, and are --server/CODEB_SERVER right?")
        }
        let data = body.readData(length: body.readableBytes) ?? Data()
        guard response.status == .ok else {
            // The API's own error object (a missing or revoked key, …), as the tool's answer.
            let text = String(decoding: data, as: UTF8.self)
            throw ToolFailure(text.isEmpty ? "the controller answered HTTP \(response.status.code)" : text, status: Int(response.status.code))
        }
        let answer = try JSONDecoder().decode(RPCResponse<Result>.self, from: data)
        if let result = answer.result { return result }
        throw ToolFailure("the controller's MCP endpoint refused the call: \(answer.error?.message ?? "no result")")
    }
}
