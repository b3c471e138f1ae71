import APIModel
import Hummingbird

/// Authenticates `Authorization: Bearer codeb_…` on every request except the health and
/// metrics endpoints. Role and team checks happen in the handlers, which know the target.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext

    let authenticator: Authenticator
    /// Paths answered without a key: the probes, and what extensions declare (static assets).
    let open: Set<String>
    /// Records a mutation attempt refused for want of a valid key (action, target, error).
    let refused: @Sendable (String, APIError, APIContext) async -> Void
    /// The contract's open operations: the probes and the contract itself.
    static let probes: Set<String> = Set(APIContract.operations.filter { $0.role == nil }.map(\.path))

    init(authenticator: Authenticator, open: Set<String> = probes, refused: @escaping @Sendable (String, APIError, APIContext) async -> Void) {
        self.authenticator = authenticator
        self.open = open
        self.refused = refused
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
        return try await next(request, context)
    }
}
