import APIModel
import Hummingbird

/// The request context of the controller's API: Hummingbird's core storage plus the caller,
/// once `AuthMiddleware` has authenticated them.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The contract's operation this request is routed to, once `AuthMiddleware` has found it
    /// (its role is checked then; its audit action names what the handler records).
    public var operation: APIContract.Operation?
    /// Set to `mcp` for the API calls an MCP tool makes in-process: every audit entry they
    /// cause is marked `mcp.<action>`. Never read from a request header, so it cannot be forged.
    public var via: String?
    /// The client's address as the listener saw it ("-" when there is none, e.g. in-process).
    public var sourceAddress: String

    /// The context of the request being served, bound by `ContractMiddleware` around the
    /// contract's generated server, whose handlers get only the operation's input.
    @TaskLocal public static var current: APIContext?

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        operation = nil
        via = nil
        sourceAddress = source.channel.remoteAddress?.ipAddress ?? "-"
    }

    /// The authenticated caller, whose role `AuthMiddleware` has checked against the
    /// operation's (401 only if a route were served without it).
    public func caller() throws -> Principal {
        guard let principal else { throw APIError.unauthorized() }
        return principal
    }

    /// The action the routed operation's audit entries carry (`x-codeb-audit`).
    var auditAction: String { operation?.audit ?? operation?.id ?? "request" }
}
