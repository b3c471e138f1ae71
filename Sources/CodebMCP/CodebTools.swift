import APIModel
import Foundation
import MCP
import Spec
import State

/// The MCP tools an AI coding assistant gets: each a JSON input schema and a description it can
/// act on, each (but `validate`) calls to the controller's API with the caller's key.
/// Results are compact JSON (the API's own answer, or a short summary); failures are the API's
/// error object with `isError`. Every tool but four (validate, plan, apply, rollout_status) is one
/// operation of the API contract, derived from it (`OperationTool`). Destructive ones are offered only when
/// `destructive` is set (`codeb controller --mcp-destructive-tools`).
public struct CodebTools: Sendable {
    let api: (any CodebAPI)?
    let destructive: Bool
    /// True once the host is stopping: a waiting `rollout_status` answers with what it has
    /// instead of holding up the stop.
    let stopping: @Sendable () -> Bool

    /// Without `api` only `validate` works (what `codeb mcp` can do with no controller).
    public init(api: (any CodebAPI)?, destructive: Bool = false, stopping: @escaping @Sendable () -> Bool = { false }) {
        self.api = api
        self.destructive = destructive
        self.stopping = stopping
    }

    /// The MCP server both transports serve these tools from: name, version, what an assistant
    /// should do first, and tools as the only capability.
    public static func server() -> Server {
        Server(
            name: "codeb", version: CodebVersion.current,
            instructions: "Deploy, inspect and roll back codeb projects. Validate a codeb.yaml before apply; after apply, call rollout_status with wait until the rollout is live, failed or waiting for promotion.",
            capabilities: .init(tools: .init(listChanged: false))
        )
    }

    /// How a call ended, for the audit log.
    public enum Outcome: String, Sendable {
        case ok, error, denied
    }


    /// The tool list: the hand-written ones first (validate, plan, apply, follow the rollout),
    /// then one per operation of the API contract, the destructive ones only when offered.
    public var tools: [Tool] {
        let written = [
            tool("validate", "Check a codeb.yaml without deploying (runs locally, needs no controller). Returns every problem with its line, column and key path, or a summary of what the file deploys. Use before apply.",
                 ["spec": string("The codeb.yaml text."), "vars": variables], required: ["spec"], readOnly: true),
            tool("plan", "Show what applying a codeb.yaml would change, against the live state: per environment whether a new revision would be created, the changes (image, env, domains…), and the controller's next actions. Changes nothing; needs a member key, like apply.",
                 ["spec": string("The codeb.yaml text."), "vars": variables, "environment": environmentList], required: ["spec"], readOnly: true),
            tool("apply", "Deploy a codeb.yaml (needs a member key). Returns per environment the revision created, the changes and the plan (the controller's next actions), and a rollout id `project/environment@revision` to follow with rollout_status. The new version is health-checked on the idle slot and only then takes traffic; the previous one stays warm for rollback.",
                 ["spec": string("The codeb.yaml text."), "vars": variables, "environment": environmentList], required: ["spec"]),
            tool("rollout_status", "Follow one rollout: whether the revision is live, waiting for health (with the probe count), waiting for promotion, or failed (with why). Poll it after apply, every few seconds, until `live` or `failed`.",
                 ["project": projectArgument, "environment": environmentArgument,
                  "revision": .object(["type": "integer", "minimum": 1, "description": "The revision to follow (from apply); default: the latest."]),
                  "wait": .object(["type": "integer", "minimum": 0, "maximum": 60, "description": "Seconds to wait for the rollout to settle (live, failed or waiting for promotion) before answering; default 0."])],
                 required: ["project"], readOnly: true),
        ]
        let derived = OperationTool.all.filter { destructive || !$0.destructive }
        return written + (derived.filter { !$0.destructive } + derived.filter(\.destructive)).map(\.tool)
    }

    /// The operations each tool calls, by operationId: derived for a tool that is one
    /// operation, declared for the hand-written ones.
    public static var operations: [String: [String]] {
        var operations = handWritten
        for tool in OperationTool.all { operations[tool.name] = [tool.operation.id] }
        return operations
    }

    static let handWritten: [String: [String]] = ["validate": [], "plan": ["apply"], "apply": ["apply"], "rollout_status": ["projectStatus"]]

    /// Runs one tool; never throws — a failure is a result with `isError`.
    public func call(_ name: String, _ arguments: [String: Value]) async -> CallTool.Result {
        await callWithOutcome(name, arguments).result
    }

    /// Runs one tool and says how it ended: `denied` when the API refused the key (401/403).
    public func callWithOutcome(_ name: String, _ arguments: [String: Value]) async -> (result: CallTool.Result, outcome: Outcome) {
        do {
            let text = try await run(name, Arguments(values: arguments))
            return (.init(content: [.text(text: text, annotations: nil, _meta: nil)], isError: false), .ok)
        } catch let failure as ToolFailure {
            let denied = failure.status == 401 || failure.status == 403
            return (.init(content: [.text(text: failure.description, annotations: nil, _meta: nil)], isError: true), denied ? .denied : .error)
        } catch {
            return (.init(content: [.text(text: "\(error)", annotations: nil, _meta: nil)], isError: true), .error)
        }
    }

    private func run(_ name: String, _ arguments: Arguments) async throws -> String {
        switch name {
        case "validate":
            return try Self.validate(arguments.required("spec"), variables: arguments.variables())
        case "plan", "apply":
            let variables = try arguments.variables()
            var request = ApplyRequest(spec: try arguments.required("spec"), file: "codeb.yaml", variables: variables.isEmpty ? nil : variables,
                                       environments: arguments.strings("environment"), dryRun: true)
            if name == "plan" { return try await call("apply", json: request) }
            // The plan first (the controller's next actions for each environment), then the apply;
            // a refusal is the apply's own answer.
            let plan = try? await call("apply", json: request)
            request.dryRun = false
            return Self.withRolloutIDs(try await call("apply", json: request), plan: plan)
        case "rollout_status":
            return try await rolloutStatus(arguments)
        default:
            guard let tool = OperationTool.named[name], destructive || !tool.destructive else {
                throw ToolFailure("there is no tool \(String(name.prefix(64)).debugDescription); tools/list says which there are")
            }
            let (method, path, body) = try tool.request(arguments.values)
            return try await send(method, path, json: body)
        }
    }

    /// A hand-written tool's call of operation `id`: path and query from `arguments`, a typed body.
    private func call(_ id: String, arguments: [String: Value] = [:], json body: (any Encodable)? = nil) async throws -> String {
        guard let operation = OperationTool.operation(id) else { throw ToolFailure("the API contract has no operation \(id)") }
        let (method, path, _) = try operation.request(arguments, typedBody: true)
        return try await send(method, path, json: try body.map { try JSONEncoder().encode($0) })
    }

    /// One API call; the answer's JSON, compacted, or the API's error object as a failure.
    private func send(_ method: APIMethod, _ path: String, json: Data?) async throws -> String {
        guard let api else {
            throw ToolFailure("this tool needs the codeb controller; set --server/CODEB_SERVER and CODEB_TOKEN (only validate works without one)")
        }
        let (status, body) = try await api.send(method, path, json: json)
        let text = Self.compactAnswer(body) ?? String(decoding: body, as: UTF8.self)
        guard (200..<300).contains(status) else {
            throw ToolFailure(text.isEmpty ? "the controller answered HTTP \(status)" : text, status: status)
        }
        return text
    }

    /// One rollout's phase; with `wait`, polls until it settles or the wait is over.
    private func rolloutStatus(_ arguments: Arguments) async throws -> String {
        let wait = min(max(arguments.int("wait") ?? 0, 0), 60)
        let deadline = ContinuousClock.now + .seconds(wait)
        while true {
            let (summary, settled) = try await rolloutSummary(arguments)
            if settled || ContinuousClock.now >= deadline || stopping() { return summary }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    private func rolloutSummary(_ arguments: Arguments) async throws -> (String, settled: Bool) {
        let project = try arguments.name("project"), environment = try arguments.name("environment", default: "production")
        let answer = try await call("projectStatus", arguments: ["project": .string(project)])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let view = try? decoder.decode(ProjectView.self, from: Data(answer.utf8)),
              let found = view.environments.first(where: { $0.environment == environment })
        else { throw ToolFailure("\(project) has no environment \(environment)") }
        let wanted = arguments.int("revision") ?? found.generation
        // The same decision `codeb apply --wait` makes.
        let phase = RolloutPhase.of(found, revision: wanted)
        var summary: [String: Value] = ["rollout": .string("\(project)/\(environment)@\(wanted)"), "phase": .string(wanted > found.generation ? "unknown revision" : phase.name)]
        let slotName: SlotName? = switch phase {
        case .live(let slot, _), .baking(let slot, _, _), .failed(let slot, _), .reverted(let slot, _), .waiting(let slot, _, _, _, _): slot
        case .pending, .superseded: nil
        }
        if let slotName, let slot = found.slots.first(where: { $0.slot == slotName }) {
            summary["slot"] = Self.value(of: slot)
        }
        summary["conditions"] = Self.value(of: found.status.conditions)
        // With HTTPS: what is served per domain (a live phase with Degraded CertificatePending
        // is live over the route only, as `apply --wait`'s exit 5 says).
        if let certificates = found.status.certificates { summary["certificates"] = Self.value(of: certificates) }
        return (Self.compact(.object(summary)), phase.isSettled)
    }

    /// An API type as a JSON value, as the API sends it.
    static func value(of encodable: some Encodable) -> Value? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(encodable)).flatMap { try? JSONDecoder().decode(Value.self, from: $0) }
    }

    /// Located problems, one per line, or what the file deploys.
    static func validate(_ text: String, variables: [String: String]) throws -> String {
        do {
            let spec = try SpecLoader.load(text, file: "codeb.yaml", variables: Variables(variables))
            let environments = spec.environments.sorted { $0.key.value < $1.key.value }.map { name, environment in
                Value.string(name.value + (environment.domains.isEmpty ? "" : " (\(environment.domains.map(\.value).joined(separator: ", ")))"))
            }
            return compact(.object([
                "valid": true, "project": .string(spec.project.value), "team": .string(spec.team.value),
                "environments": .array(environments),
            ]))
        } catch {
            throw ToolFailure(compact(.object([
                "valid": false,
                "problems": .array(error.problems.map { .string("codeb.yaml:\($0.line):\($0.column): \($0.path.isEmpty ? "" : $0.path + ": ")\($0.message)") }),
            ])))
        }
    }

    /// Adds `rollouts: ["project/environment@revision"]` to an apply's answer, and to each
    /// environment the `plan` (actions) its dry run showed. The answers are read and reshaped
    /// as JSON objects (JSONSerialization is the fastest reader here; nothing is sent from them).
    static func withRolloutIDs(_ answer: String, plan: String? = nil) -> String {
        guard var result = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any],
              let project = result["project"] as? String, var environments = result["environments"] as? [[String: Any]]
        else { return answer }
        if let plan, let planned = (try? JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [String: Any])?["environments"] as? [[String: Any]] {
            for index in environments.indices {
                let name = environments[index]["environment"] as? String
                if let actions = planned.first(where: { $0["environment"] as? String == name })?["actions"] {
                    environments[index]["plan"] = actions
                }
            }
            result["environments"] = environments
        }
        result["rollouts"] = environments.compactMap { environment -> String? in
            guard let name = environment["environment"] as? String, let revision = environment["revision"] as? Int else { return nil }
            return "\(project)/\(name)@\(revision)"
        }
        return compactAnswer(try? JSONSerialization.data(withJSONObject: result)) ?? answer
    }

    /// The API's answer as compact JSON with sorted keys and unescaped slashes; nil if it is not JSON.
    static func compactAnswer(_ body: Data?) -> String? {
        guard let body, let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// JSON text with sorted keys and unescaped slashes.
    static func compact(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    static func checkedName(_ value: String, _ what: String) throws -> String {
        guard (try? ResourceName(parsing: value)) != nil || (try? EnvironmentName(parsing: value)) != nil else {
            throw ToolFailure("\(what) \(value.debugDescription.prefix(80)) is not a name (lowercase letters, digits and '-')")
        }
        return value
    }
}
