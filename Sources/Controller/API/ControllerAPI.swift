import APIModel
import Drivers
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime
import Spec
import State
import Support

/// The controller's HTTP API (JSON; `Authorization: Bearer codeb_{team}_{role}_{token}`).
/// Every mutation, allowed or refused, is written to the audit log.
public struct ControllerAPI: APIProtocol, Sendable {
    public let store: any Store
    public let keys: any KeyStore
    public let operations: StateOperations
    public let authenticator: Authenticator
    public let reconciler: Reconciler?
    /// Checks behind `/readyz`: name → a check that throws when that dependency is down.
    public let readiness: [String: @Sendable () async throws -> Void]
    /// Lines `/readyz` adds that say how things run without deciding readiness (e.g. switching).
    public let details: [String: @Sendable () async -> String]
    public let time: any TimeSource
    /// Renders `/metrics` (Prometheus text); nil answers 404.
    public let metrics: (@Sendable () async -> String)?
    /// Secrets and registry logins; nil when the controller has no secret key.
    public let vault: SecretVault?
    /// Caps followed logs and events, per key and in all.
    public let streams: StreamLimiter
    /// How often a quiet followed SSE stream gets a comment (a vanished client is noticed then).
    public let streamHeartbeat: Duration
    /// One audit entry per source address and minute for attempts without a valid key.
    let unauthenticated = UnauthenticatedAuditThrottle()
    /// The hostnames environments claim, for Caddy's on-demand TLS ask (`caddyAsk`).
    let claims = ClaimedHostnames()
    let logger: Logger

    public init(
        store: any Store, keys: any KeyStore, reconciler: Reconciler? = nil, time: any TimeSource = SystemTime(),
        readiness: [String: @Sendable () async throws -> Void] = [:], details: [String: @Sendable () async -> String] = [:],
        metrics: (@Sendable () async -> String)? = nil,
        quota: TeamQuota = .unlimited, vault: SecretVault? = nil, ports: PortRanges = .default, streams: StreamLimiter = StreamLimiter(),
        streamHeartbeat: Duration = .seconds(15), logger: Logger = Logger(label: "codeb.api")
    ) {
        self.streamHeartbeat = streamHeartbeat
        self.streams = streams
        self.vault = vault
        self.metrics = metrics
        self.store = store
        self.keys = keys
        self.operations = StateOperations(store: store, time: time, previewDomain: reconciler?.previewDomain, quota: quota, vault: vault, ports: ports)
        self.authenticator = Authenticator(keys: keys, time: time)
        self.reconciler = reconciler
        self.readiness = readiness
        self.details = details
        self.time = time
        self.logger = logger
    }

    /// The routes, ready for a Hummingbird `Application`: the API, and each extension's routes
    /// (e.g. `/mcp`), which may call the API's own routes in-process.
    public func routes(extensions: [any APIExtension] = []) -> Router<APIContext> {
        let router = apiRoutes(open: extensions.reduce(into: Set<String>()) { $0.formUnion($1.openPaths) })
        guard !extensions.isEmpty else { return router }
        let responder = apiRoutes().buildResponder()
        for module in extensions { module.addRoutes(to: router, api: self, responder: responder) }
        return router
    }

    private func apiRoutes(open: Set<String> = []) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: APIMetricsMiddleware())
        router.add(middleware: ErrorBodyMiddleware())
        router.add(middleware: AuthMiddleware(authenticator: authenticator, open: AuthMiddleware.probes.union(open)) { target, error, context in
            let (write, unwritten) = self.unauthenticated.admit(context.sourceAddress, at: self.time.now())
            guard write else { return }
            let more = unwritten > 0 ? "; \(unwritten) more attempt\(unwritten == 1 ? "" : "s") without a valid key from this address in the minute before were not written" : ""
            await self.record("request", target: target, context, refusal: error, detail: "\(error.message) (from \(context.sourceAddress))\(more)")
        } denied: { action, target, error, context in
            await self.record(action, target: target, context, refusal: error)
        })
        router.add(middleware: ContractMiddleware { action, error, context in
            await self.record(action, target: "-", context, refusal: error, detail: error.details == nil ? nil : "the request could not be read")
        })
        // The contract is the route list: its generated server registers every operation, each
        // served by this type's `APIProtocol` method of the same name. An operation the server
        // does not serve (`/mcp`) is an extension's.
        do {
            try registerHandlers(on: RouterTransport(router: router), configuration: Self.openAPIConfiguration)
        } catch {
            // Registering on a Hummingbird router does not throw; the protocol's signature can.
            preconditionFailure("the contract's operations could not be registered: \(error)")
        }
        return router
    }

    /// How the generated server writes JSON: as the API always has (sorted keys, no escaped
    /// slashes, not pretty-printed: one answer, one line), dates in RFC 3339.
    static let openAPIConfiguration = Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])

    /// The routed request's context: its caller and operation, bound by `ContractMiddleware`
    /// around the generated server (whose handlers see only the operation's input).
    func routed() throws -> APIContext {
        guard let context = APIContext.current else {
            throw APIError.internalError(MissingContext())
        }
        return context
    }

    struct MissingContext: Error, CustomStringConvertible {
        var description: String { "an API handler ran without the request context ContractMiddleware binds" }
    }

    /// Every check at once, each given `readinessBudget`: a dependency that hangs makes the
    /// answer "not ready", never a slow answer.
    func ready() async throws -> (ok: Bool, checks: [String: String]) {
        var all = readiness
        all["store"] = { [store] in _ = try await store.keys() }
        let budget = Self.readinessBudget
        let checks = await withTaskGroup(of: (String, String).self) { group in
            for (name, check) in all {
                group.addTask {
                    do {
                        try await withDeadline(budget, timeout: { ReadinessTimeout(budget: budget) }, check)
                        return (name, "ok")
                    } catch {
                        return (name, "\(error)")
                    }
                }
            }
            return await group.reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
        }
        let ok = checks.values.allSatisfy { $0 == "ok" }
        var body = ["ready": ok ? "true" : "false"].merging(checks) { a, _ in a }
        for (name, detail) in details where body[name] == nil {
            body[name] = await detail()
        }
        return (ok, body)
    }

    static let readinessBudget: Duration = .milliseconds(1500)

    struct ReadinessTimeout: Error, CustomStringConvertible {
        let budget: Duration
        var description: String { "no answer within \(budget)" }
    }

    /// Runs a mutation and records it in the audit log whatever the outcome, under the
    /// routed operation's audit action (`apply`, or `apply.dry-run` for its `variant`).
    func audited<T>(target: String, _ context: APIContext, variant: String? = nil, detail: String = "", _ body: () async throws -> T) async throws -> T {
        let action = variant.map { "\(context.auditAction).\($0)" } ?? context.auditAction
        do {
            let response = try await body()
            await record(action, target: target, context, result: "ok", detail: detail)
            return response
        } catch {
            let apiError = APIError.from(error)
            await record(action, target: target, context, refusal: apiError)
            throw apiError
        }
    }

    /// Reads a request's input; a malformed one is an attempt too, audited under its action on
    /// target `-` before its error is thrown (`detail` replaces the message, e.g. to keep a
    /// spec's values out of the log).
    func readAudited<T>(_ context: APIContext, detail: (APIError) -> String? = { _ in nil }, _ body: () async throws -> T) async throws -> T {
        let action = context.auditAction
        do {
            return try await body()
        } catch {
            let apiError = APIError.from(error)
            await record(action, target: "-", context, refusal: apiError, detail: detail(apiError))
            throw apiError
        }
    }

    /// Records a refused or failed attempt: `denied` for a key that may not, `invalid` for a
    /// malformed request, else `error`; the API error's code is the reason.
    public func record(_ action: String, target: String, _ context: APIContext, refusal apiError: APIError, detail: String? = nil) async {
        let result = switch apiError.status {
        case .forbidden: "denied"
        case .unauthorized: "unauthorized"
        case .badRequest, .contentTooLarge, .unsupportedMediaType: "invalid"
        default: "error"
        }
        await record(action, target: target, context, result: result, detail: detail ?? apiError.message, reason: apiError.code)
    }

    /// Writes one audit entry for `context`'s caller (marked `{via}.{action}` for in-process calls).
    public func record(_ action: String, target: String, _ context: APIContext, result: String, detail: String = "", reason: String? = nil) async {
        let entry = AuditEntry(
            time: time.now(), keyID: context.principal?.keyID ?? "-", team: context.principal?.team.value ?? "-",
            action: context.via.map { "\($0).\(action)" } ?? action, target: target, result: result, detail: detail, reason: reason
        )
        do {
            try await keys.audit(entry)
        } catch {
            logger.error("cannot write the audit log", metadata: ["error": "\(error)", "action": "\(action)"])
        }
    }

    /// The environment named in the path, if the caller's team owns it (another team's is 404).
    func ownedEnvironment(project: String, environment: String, _ principal: Principal) async throws -> EnvironmentState {
        let key = try environmentKey(project: project, environment: environment)
        guard let state = try await store.load(key), state.team == principal.team, !state.deleting else {
            throw APIError.notFound(key.description)
        }
        return state
    }

    func environmentKey(project: String, environment: String) throws -> EnvironmentKey {
        guard let project = try? ResourceName(parsing: project), let environment = try? EnvironmentName(parsing: environment)
        else { throw APIError.notFound("that environment") }
        return EnvironmentKey(project: project, environment: environment)
    }
}
