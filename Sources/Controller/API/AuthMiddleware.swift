import Hummingbird

/// Authenticates `Authorization: Bearer codeb_…` on every request except the health and
/// metrics endpoints. Role and team checks happen in the handlers, which know the target.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext

    let authenticator: Authenticator
    static let open: Set<String> = ["/healthz", "/readyz", "/metrics"]

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if Self.open.contains(request.uri.path) {
            return try await next(request, context)
        }
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
