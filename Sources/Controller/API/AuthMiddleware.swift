import APIModel
import Hummingbird

/// Authenticates `Authorization: Bearer codeb_…` on every request but the contract's open
/// operations, and enforces the role the contract declares for the routed operation
/// (`x-codeb-role`): the one place a role is checked. A refused mutation is audited under the
/// operation's action (`x-codeb-audit`). Team checks happen in the handlers, which know the target.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext

    let authenticator: Authenticator
    /// Paths answered without a key: the probes, and what extensions declare (static assets).
    let open: Set<String>
    /// Records a mutation attempt refused for want of a valid key (action, target, error).
    let refused: @Sendable (String, APIError, APIContext) async -> Void
    /// Records a mutation refused for want of a role (audit action, target, error).
    let denied: @Sendable (String, String, APIError, APIContext) async -> Void
    /// The contract's open operations: the probes and the contract itself.
    static let probes: Set<String> = Set(APIContract.operations.filter { $0.role == nil }.map(\.path))

    init(
        authenticator: Authenticator, open: Set<String> = probes,
        refused: @escaping @Sendable (String, APIError, APIContext) async -> Void,
        denied: @escaping @Sendable (String, String, APIError, APIContext) async -> Void
    ) {
        self.authenticator = authenticator
        self.open = open
        self.refused = refused
        self.denied = denied
    }

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if open.contains(request.uri.path) {
            return try await next(request, context)
        }
        do {
            return try await authenticated(request, context: context, next: next)
        } catch let error as APIError where error.status == .unauthorized && ![.get, .head].contains(request.method) {
            // Every mutation attempt is audited, also without a key. The path is cut short: it
            // comes from whoever sent it.
            await refused("\(request.method.rawValue.lowercased()) \(request.uri.path.prefix(200))", error, context)
            throw error
        }
    }

    private func authenticated(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError.unauthorized()
        }
        let found: Principal?
        do {
            found = try await authenticator.authenticate(String(header.dropFirst("Bearer ".count)))
        } catch {
            // The key store is unreachable: say so (503), rather than a bare 500.
            throw APIError.from(error)
        }
        guard let principal = found else {
            throw APIError(.unauthorized, code: "unauthorized", "the key is unknown or revoked")
        }
        var context = context
        context.principal = principal
        // The router has matched the route (an unmatched one has no endpoint path and ends 404).
        guard let route = context.endpointPath else { return try await next(request, context) }
        guard let operation = APIContract.operation(request.method.rawValue, route) else {
            // Deny by default: a route the contract does not declare has no declared role.
            throw APIError(.forbidden, code: "forbidden", "\(request.method.rawValue) \(route) is not an operation of the API contract")
        }
        context.operation = operation
        if let needed = operation.role.flatMap(Role.init(rawValue:)), principal.role < needed {
            let error = APIError(.forbidden, code: "forbidden", "this needs a \(needed) key; yours is \(principal.role)")
            if let action = operation.audit {
                await denied(action, APIContract.target(of: route) { context.parameters.get($0) }, error, context)
            }
            throw error
        }
        return try await next(request, context)
    }
}
