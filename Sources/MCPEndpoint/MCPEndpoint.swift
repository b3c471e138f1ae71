import APIModel
import CodebMCP
import Controller
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import Metrics
import NIOCore
import ServiceLifecycle
import Spec
import State

/// `POST /mcp`: the MCP tools over streamable HTTP, for assistants that reach the controller
/// directly (and for `codeb mcp`, which forwards every tool but `validate` here). The bearer
/// key middleware has already run; each tool then calls the API in-process with the same key
/// (`InProcessAPI`), so roles, team scoping and the audit log are the API's. Each tool call is
/// audited as `mcp.call` with the tool's name; the API actions it causes as `mcp.<action>`.
///
/// Stateless: every POST gets a fresh MCP server, so no state (or answer) is shared between
/// callers; there are no sessions and no server-initiated messages (GET and DELETE answer 405).
///
/// An `APIExtension`: this module depends on the controller's API, never the reverse.
public struct MCPEndpoint: APIExtension {
    /// Whether `/mcp` offers delete and key management (`--mcp-destructive-tools`).
    public let destructiveTools: Bool

    public init(destructiveTools: Bool = false) {
        self.destructiveTools = destructiveTools
    }

    public func addRoutes(to router: Router<APIContext>, api: ControllerAPI, responder: RouterResponder<APIContext>) {
        router.post("/mcp") { request, context in try await self.mcp(request, context, api: api, responder: responder) }
        router.get("/mcp") { request, _ in try self.mcpMethodNotAllowed(request) }
        router.delete("/mcp") { request, _ in try self.mcpMethodNotAllowed(request) }
    }

    /// The largest JSON-RPC message accepted: a spec at the loader's limit, JSON-escaped.
    static let mcpMaxBytes = 4 * SpecLoader.maxBytes + 64 * 1024

    func mcp(_ request: Request, _ context: APIContext, api: ControllerAPI, responder: RouterResponder<APIContext>) async throws -> Response {
        let body = try await request.body.collect(upTo: Self.mcpMaxBytes)
        var headers: [String: String] = [:]
        for field in request.headers where field.name != .authorization {
            headers[field.name.canonicalName] = headers[field.name.canonicalName].map { "\($0), \(field.value)" } ?? field.value
        }
        let tools = CodebTools(
            api: InProcessAPI(responder: responder, context: context, authorization: request.headers[.authorization] ?? ""),
            destructive: destructiveTools,
            // The tools run in the MCP server's task, which inherits this request's task-locals,
            // graceful shutdown included.
            stopping: { Task.isShuttingDownGracefully }
        )
        let server = CodebTools.server()
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools.tools) }
        await server.withMethodHandler(CallTool.self) { params in
            let inFlight = Meter(label: MetricFamily.mcpCallsInFlight.name)
            inFlight.increment()
            defer { inFlight.decrement() }
            let (result, outcome) = await tools.callWithOutcome(params.name, params.arguments ?? [:])
            Counter(label: MetricFamily.mcpCallsTotal.name, dimensions: [("result", outcome.rawValue)]).increment()
            var inner = context
            inner.via = "mcp"
            await api.record("call", target: String(params.name.prefix(64)), inner, result: outcome.rawValue,
                              detail: outcome == .ok ? "" : Self.auditDetail(Self.text(result)))
            return result
        }
        // Bearer keys, not cookies, authenticate here, so a browser page cannot borrow a
        // session; the Origin check of a local, unauthenticated server is not needed.
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
            ]),
            logger: Logger(label: "codeb.mcp", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await server.start(transport: transport)
        let answer = await transport.handleRequest(MCP.HTTPRequest(method: "POST", headers: headers, body: Data(body.readableBytesView), path: "/mcp"))
        await server.stop()
        return Self.response(answer)
    }

    /// 405 (with `Allow: POST`, which a 405 must carry) for GET and DELETE: this endpoint keeps
    /// no sessions and sends no server-initiated messages.
    func mcpMethodNotAllowed(_ request: Request) throws -> Response {
        let error = APIError(.methodNotAllowed, code: "method_not_allowed", "/mcp takes POST only (stateless streamable HTTP: no sessions, no server-initiated stream)")
        var response = try JSONBody.response(ErrorBody(error: .init(code: error.code, message: error.message)), status: error.status)
        response.headers[.allow] = "POST"
        return response
    }

    /// What the audit log keeps of a failed call: the API error's code and message, or the
    /// tool's own one-line refusal. Never the located problems of a spec (they may quote a
    /// value from it) nor anything longer than a line.
    static func auditDetail(_ text: String) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                return "\(error["code"] as? String ?? "error"): \(String((error["message"] as? String ?? "").prefix(200)))"
            }
            if let problems = object["problems"] as? [Any] { return "invalid spec: \(problems.count) problem(s)" }
        }
        return String(text.prefix(while: { $0 != "\n" }).prefix(200))
    }

    static func text(_ result: CallTool.Result) -> String {
        result.content.compactMap { if case .text(let text, _, _) = $0 { text } else { nil } }.joined(separator: "\n")
    }

    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        let body = answer.bodyData ?? Data()
        if !body.isEmpty, fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return Response(status: .init(code: answer.statusCode), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
