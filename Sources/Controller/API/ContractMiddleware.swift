import APIModel
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// Between the router (authenticated, role checked) and the contract's generated server: the
/// request is held to what the contract declares for its operation before anything reads it —
/// query values to their schema's bounds, enum and pattern (400 saying what it takes), the body
/// to `x-codeb-body-limit` (413) — and the handler gets the request's context (caller,
/// operation) as a task-local. A request the generated server cannot read is answered 400 with
/// the body's declared example, never the decoder's words (a body may hold secret values), and
/// audited like every mutation attempt.
struct ContractMiddleware: RouterMiddleware {
    typealias Context = APIContext

    /// Records a mutation attempt refused for its input (audit action, error, context).
    let unreadable: @Sendable (String, APIError, APIContext) async -> Void

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        // Open operations pass AuthMiddleware without one; the routed path names it.
        guard let operation = context.operation ?? context.endpointPath.flatMap({ APIContract.operation(request.method.rawValue, $0) }),
              !operation.byExtension
        else {
            // Not the generated server's (an extension's route, e.g. /mcp).
            return try await APIContext.$current.withValue(context) { try await next(request, context) }
        }
        var request = request
        do {
            try Self.checkQuery(request, operation)
            if let limit = operation.bodyLimit {
                request = try await Self.bounded(request, limit: limit, types: operation.bodyTypes)
            }
        } catch {
            let apiError = APIError.from(error)
            if let action = operation.audit { await unreadable(action, apiError, context) }
            throw apiError
        }
        do {
            return try await APIContext.$current.withValue(context) { try await next(request, context) }
        } catch let error as ServerError {
            // The handler's own failure: it said (and audited) what went wrong.
            if let apiError = error.underlyingError as? APIError { throw apiError }
            guard error.operationInput == nil || error.httpStatus.kind == .clientError else {
                // Anything else a handler threw is mapped as always (a store error is 503…).
                throw error.underlyingError
            }
            let apiError = Self.refusal(error, operation)
            if error.operationInput == nil, let action = operation.audit { await unreadable(action, apiError, context) }
            throw apiError
        }
    }

    /// Each query value the contract declares, against its schema.
    static func checkQuery(_ request: Request, _ operation: APIContract.Operation) throws {
        let query = request.uri.queryParameters
        for parameter in operation.parameters where parameter.place == .query && parameter.type != "array" {
            for value in query.getAll(parameter.name) {
                if let problem = parameter.problem(with: String(value)) {
                    throw APIError(.badRequest, code: "bad_request", problem)
                }
            }
        }
    }

    /// The request with its body read, up to `limit` bytes (413 past it), and typed as one of
    /// the declared `types`: a body sent without one of them (curl's form type) is read as the
    /// first, JSON, as the API always has; a YAML one of another spelling (`text/yaml`) as YAML.
    static func bounded(_ request: Request, limit: Int, types: [String]) async throws -> Request {
        var request = request
        request.body = .init(buffer: try await request.body.collect(upTo: limit))
        guard let first = types.first else { return request }
        let sent = request.headers[.contentType]?.lowercased() ?? ""
        let declared = types.first { type in sent.hasPrefix(type) }
            ?? types.first { type in type.split(separator: "/").last.map { sent.contains($0) } ?? false }
            ?? first
        guard !sent.hasPrefix(declared) else { return request }
        var head = request.head
        head.headerFields[.contentType] = declared
        return Request(head: head, body: request.body)
    }

    /// What a request the generated server refused is told: for a body, what the contract's
    /// example looks like; else the server's own cause (an Accept it cannot answer…).
    static func refusal(_ error: ServerError, _ operation: APIContract.Operation) -> APIError {
        let status = error.httpStatus.kind == .clientError ? error.httpStatus : .badRequest
        if error.operationInput == nil, status == .badRequest, let example = operation.bodyExample {
            let yaml = operation.bodyTypes.contains { $0.contains("yaml") } ? " (or a codeb.yaml, Content-Type: application/yaml)" : ""
            return APIError(.badRequest, code: "bad_request", "the body must be JSON such as \(example)\(yaml); see \(operation.id) in /openapi.json")
        }
        return APIError(status, code: ErrorBodyMiddleware<APIContext>.code(status), "\(operation.method) \(operation.path): \(error.causeDescription)")
    }
}
