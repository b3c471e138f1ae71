import APIModel
import Hummingbird

/// The request context of the controller's API: Hummingbird's core storage plus the caller,
/// once `AuthMiddleware` has authenticated them.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Set to `mcp` for the API calls an MCP tool makes in-process: every audit entry they
    /// cause is marked `mcp.<action>`. Never read from a request header, so it cannot be forged.
    public var via: String?
    /// The client's address as the listener saw it ("-" when there is none, e.g. in-process).
    public var sourceAddress: String

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        via = nil
        sourceAddress = source.channel.remoteAddress?.ipAddress ?? "-"
    }

    /// The caller, who must hold at least `role`; otherwise 403 (or 401 without a key).
    public func require(_ role: Role) throws -> Principal {
        guard let principal else { throw APIError.unauthorized() }
        guard principal.role >= role else {
            throw APIError(.forbidden, code: "forbidden", "this needs a \(role) key; yours is \(principal.role)")
        }
        return principal
    }
}
