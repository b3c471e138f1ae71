import APIModel
import Foundation
import MCP
import Spec
import State

/// The MCP tools an AI coding assistant gets: each a JSON input schema and a description it can
/// act on, each (but `validate`) calls to the controller's API with the caller's key.
/// Results are compact JSON (the API's own answer, or a short summary); failures are the API's
/// error object with `isError`. Deleting and key management are offered only when
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

    /// The tool list, in the order an assistant would use them.
    public var tools: [Tool] {
        var tools = [
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
            tool("project_status", "A project's environments: slots (active, warm grace, deployed, failed) with revision, image and health, the domains, and the Ready/Progressing/Degraded conditions with reasons.",
                 ["project": projectArgument], required: ["project"], readOnly: true),
            tool("list_projects", "The projects your key's team can see, with each environment's live revision and condition.", [:], readOnly: true),
            tool("promote", "Let a healthy revision waiting for promotion (`promote: manual`) take traffic (needs a member key).",
                 ["project": projectArgument, "environment": environmentArgument], required: ["project"]),
            tool("rollback", "Send traffic back to the previous version, still warm in its grace slot (needs a member key). Instant; refuses, saying so, when no grace slot is kept — then apply the version you want instead.",
                 ["project": projectArgument, "environment": environmentArgument], required: ["project"]),
            tool("history", "The revisions of an environment, newest first: number, image, source (apply or rollback), author and time.",
                 ["project": projectArgument, "environment": environmentArgument], required: ["project"], readOnly: true),
            tool("logs", "The last lines a slot's container printed (at most 500; needs a member key, as output may carry data).",
                 ["project": projectArgument, "environment": environmentArgument,
                  "slot": .object(["type": "string", "enum": ["blue", "green"], "description": "Default: the active slot."]),
                  "tail": .object(["type": "integer", "minimum": 1, "maximum": 500, "description": "Lines, default 100."])], required: ["project"], readOnly: true),
            tool("recent_events", "What the controller did recently (created, started, switched, removed…), oldest first; optionally for one project.",
                 ["project": .object(["type": "string", "description": "Only this project."]), "limit": .object(["type": "integer", "minimum": 1, "maximum": 200, "description": "Default 50."])], readOnly: true),
            tool("secrets_list", "A project's secrets: name, the environment it is set for (none: every environment), version, who set it and when. Never values: nothing returns them.",
                 ["project": projectArgument, "environment": .object(["type": "string", "description": "Only those set for this environment."])],
                 required: ["project"], readOnly: true),
            tool("secrets_set", "Set secrets of a project (needs a member key): one new secrets version; every environment whose codeb.yaml names them rolls out with the new values (follow each with rollout_status). codeb.yaml lists only the names (`secrets: [DATABASE_URL]`).",
                 ["project": projectArgument,
                  "environment": .object(["type": "string", "description": "Only for this environment (`preview`: every preview instance); default: every environment."]),
                  "values": .object(["type": "object", "additionalProperties": .object(["type": "string"]), "description": "NAME → value, e.g. {\"DATABASE_URL\": \"postgres://…\"}."])],
                 required: ["project", "values"]),
            tool("registry_list", "The private registries your team is logged in to (host and user name, never the password); images from them are pulled with that login.",
                 [:], readOnly: true),
            tool("audit_log", "Who did what through the API, including these tools (actions prefixed `mcp.`); needs an admin key.",
                 ["limit": .object(["type": "integer", "minimum": 1, "maximum": 500, "description": "Default 50."])], readOnly: true),
            tool("secrets_history", "Every secrets version of a project, newest first: which names it set or removed, for which environment, who and when. Never values.",
                 ["project": projectArgument, "environment": .object(["type": "string", "description": "Only versions for this environment."])],
                 required: ["project"], readOnly: true),
            tool("registry_login", "Log your team in to a private registry (needs an admin key): images from that host are then pulled with this login. The password is sealed at rest and never shown again.",
                 ["host": string("The registry host, e.g. `registry.example.com` or `localhost:5000`."),
                  "username": string("The registry user."), "password": string("The password or access token.")],
                 required: ["host", "username", "password"]),
            tool("teams_list", "Every team on this controller with its project and key counts (needs the owner key).", [:], readOnly: true),
            tool("team_create", "Register a new team (needs the owner key); then create its first admin key with create_key under that team's owner key or `codeb keys create`.",
                 ["name": string("The team's name: lowercase letters, digits and '-'."),
                  "domains": .object(["type": "array", "items": .object(["type": "string"]), "description": "The domain suffixes the team may claim, e.g. [\"acme.com\"]; omit for any domain."])],
                 required: ["name"]),
            tool("team_domains", "Set the domain suffixes a team may claim (needs the owner key); an apply naming a domain outside them is refused. An empty list allows none; omit `domains` for any domain.",
                 ["name": string("The team."),
                  "domains": .object(["type": "array", "items": .object(["type": "string"]), "description": "Domain suffixes, e.g. [\"acme.com\", \"acme.dev\"]."])],
                 required: ["name"]),
        ]
        if destructive {
            tools += [
                tool("delete", "Delete an environment: its containers, site and ports are released. Irreversible (needs a member key); offered because the controller runs with --mcp-destructive-tools.",
                     ["project": projectArgument, "environment": .object(["type": "string", "description": "The environment to delete."])], required: ["project", "environment"], destructive: true),
                tool("list_keys", "The API keys of your team: id, team, role, name, who created it and when, and whether it is revoked (never the secret); needs an admin key.", [:], readOnly: true),
                tool("create_key", "Create an API key for your team (needs an admin key). The answer holds the secret once; hand it to the person who asked, it cannot be read again.",
                     ["role": .object(["type": "string", "enum": ["viewer", "member", "admin"], "description": "What the key may do."]),
                      "name": string("Who or what the key is for, e.g. `ci-deploy`.")], required: ["role"], destructive: true),
                tool("revoke_key", "Revoke an API key by id (needs an admin key); requests with it fail from now on.",
                     ["id": string("The key's id, from list_keys.")], required: ["id"], destructive: true),
                tool("registry_logout", "Forget your team's login to a registry (needs an admin key); pulls from it are then anonymous and may fail.",
                     ["host": string("The registry host, as registry_list shows it.")], required: ["host"], destructive: true),
                tool("cleanup", "Remove the failed slots of a project (or of one environment) and their stopped containers (needs an admin key). Their logs go with them.",
                     ["project": projectArgument, "environment": .object(["type": "string", "description": "Only this environment."])],
                     required: ["project"], destructive: true),
                tool("team_delete", "Delete a team that has no projects left, and its keys (needs the owner key).",
                     ["name": string("The team to delete.")], required: ["name"], destructive: true),
                // A removed value is gone for good; a key rotation can leave other hosts unable
                // to read values until they hold the new key: neither is an assistant's call by default.
                tool("secrets_unset", "Remove secrets of a project (needs a member key); refused while an environment still names one in codeb.yaml. The values are gone for good.",
                     ["project": projectArgument,
                      "environment": .object(["type": "string", "description": "The environment they were set for; default: the whole project."]),
                      "names": .object(["type": "array", "items": .object(["type": "string"]), "description": "The names to remove."])],
                     required: ["project", "names"], destructive: true),
                tool("rotate_secret_key", "Re-seal every secret and registry login under a fresh controller secret key (needs the owner key). Values do not change; nothing rolls out.",
                     [:], destructive: true),
            ]
        }
        return tools
    }

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
            var body: [String: Any] = ["spec": try arguments.required("spec"), "dryRun": name == "plan", "file": "codeb.yaml"]
            let variables = try arguments.variables()
            if !variables.isEmpty { body["variables"] = variables }
            if let environments = arguments.strings("environment") { body["environments"] = environments }
            if name == "plan" { return try await call(.post, "/v1/apply", json: try JSONSerialization.data(withJSONObject: body)) }
            // The plan first (the controller's next actions for each environment), then the apply;
            // a refusal is the apply's own answer.
            body["dryRun"] = true
            let plan = try? await call(.post, "/v1/apply", json: try JSONSerialization.data(withJSONObject: body))
            body["dryRun"] = false
            let answer = try await call(.post, "/v1/apply", json: try JSONSerialization.data(withJSONObject: body))
            return Self.withRolloutIDs(answer, plan: plan)
        case "rollout_status":
            return try await rolloutStatus(arguments)
        case "project_status":
            return try await call(.get, "/v1/projects/\(try arguments.name("project"))")
        case "list_projects":
            return try await call(.get, "/v1/projects")
        case "promote", "rollback":
            return try await call(.post, "\(try environmentPath(arguments))/\(name)")
        case "history":
            return try await call(.get, "\(try environmentPath(arguments))/history")
        case "logs":
            let tail = min(max(arguments.int("tail") ?? 100, 1), 500)
            let slot = try arguments.string("slot").map { slot in
                guard slot == "blue" || slot == "green" else { throw ToolFailure("slot must be blue or green") }
                return "&slot=\(slot)"
            } ?? ""
            return try await call(.get, "\(try environmentPath(arguments))/logs?tail=\(tail)\(slot)")
        case "recent_events":
            let project = try arguments.string("project").map { "?project=\(try Self.checkedName($0, "project"))" } ?? ""
            let limit = min(max(arguments.int("limit") ?? 50, 1), 200)
            let answer = try await call(.get, "/v1/events\(project)")
            guard let events = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [Any] else { return answer }
            return Self.compact(Array(events.suffix(limit)))
        case "secrets_list":
            let environment = try arguments.string("environment").map { "?environment=\(try Self.checkedName($0, "environment"))" } ?? ""
            return try await call(.get, "/v1/projects/\(try arguments.name("project"))/secrets\(environment)")
        case "secrets_set":
            let values = try arguments.stringObject("values")
            guard !values.isEmpty else { throw ToolFailure("values must name at least one secret, e.g. {\"DATABASE_URL\": \"…\"}") }
            var body: [String: Any] = ["values": values]
            if let environment = try arguments.string("environment") { body["environment"] = try Self.checkedName(environment, "environment") }
            return try await call(.put, "/v1/projects/\(try arguments.name("project"))/secrets", json: try JSONSerialization.data(withJSONObject: body))
        case "secrets_unset" where destructive:
            guard let names = arguments.strings("names"), !names.isEmpty else { throw ToolFailure("names must list at least one secret") }
            var body: [String: Any] = ["names": names]
            if let environment = try arguments.string("environment") { body["environment"] = try Self.checkedName(environment, "environment") }
            return try await call(.post, "/v1/projects/\(try arguments.name("project"))/secrets/unset", json: try JSONSerialization.data(withJSONObject: body))
        case "registry_list":
            return try await call(.get, "/v1/registries")
        case "audit_log":
            return try await call(.get, "/v1/audit?limit=\(min(max(arguments.int("limit") ?? 50, 1), 500))")
        case "secrets_history":
            let environment = try arguments.string("environment").map { "?environment=\(try Self.checkedName($0, "environment"))" } ?? ""
            return try await call(.get, "/v1/projects/\(try arguments.name("project"))/secrets/history\(environment)")
        case "registry_login":
            let body = ["username": try arguments.required("username"), "password": try arguments.required("password")]
            return try await call(.put, "/v1/registries/\(try Self.checkedHost(arguments.required("host")))", json: try JSONSerialization.data(withJSONObject: body))
        case "teams_list":
            return try await call(.get, "/v1/teams")
        case "team_create":
            var body: [String: Any] = ["name": try arguments.name("name")]
            if let domains = arguments.strings("domains") { body["domains"] = domains }
            return try await call(.post, "/v1/teams", json: try JSONSerialization.data(withJSONObject: body))
        case "team_domains":
            let domains: Any = arguments.strings("domains") ?? NSNull()
            return try await call(.put, "/v1/teams/\(try arguments.name("name"))/domains", json: try JSONSerialization.data(withJSONObject: ["domains": domains]))
        case "rotate_secret_key" where destructive:
            return try await call(.post, "/v1/secrets/rotate-key")
        case "registry_logout" where destructive:
            return try await call(.delete, "/v1/registries/\(try Self.checkedHost(arguments.required("host")))")
        case "cleanup" where destructive:
            let environment = try arguments.string("environment").map { "?environment=\(try Self.checkedName($0, "environment"))" } ?? ""
            return try await call(.post, "/v1/projects/\(try arguments.name("project"))/cleanup\(environment)")
        case "team_delete" where destructive:
            return try await call(.delete, "/v1/teams/\(try arguments.name("name"))")
        case "delete" where destructive:
            // No default environment here: a forgotten argument must not delete production.
            return try await call(.delete, "/v1/projects/\(try arguments.name("project"))/environments/\(try arguments.name("environment"))")
        case "list_keys" where destructive:
            return try await call(.get, "/v1/keys")
        case "create_key" where destructive:
            let role = try arguments.required("role")
            guard ["viewer", "member", "admin"].contains(role) else { throw ToolFailure("role must be viewer, member or admin") }
            var body = ["role": role]
            if let label = try arguments.string("name") { body["name"] = label }
            return try await call(.post, "/v1/keys", json: try JSONSerialization.data(withJSONObject: body))
        case "revoke_key" where destructive:
            let id = try arguments.required("id")
            guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ToolFailure("id must be a key id as list_keys shows it")
            }
            return try await call(.delete, "/v1/keys/\(id)")
        default:
            throw ToolFailure("there is no tool \(String(name.prefix(64)).debugDescription); tools/list says which there are")
        }
    }

    /// One API call; the answer's JSON, compacted, or the API's error object as a failure.
    private func call(_ method: APIMethod, _ path: String, json: Data? = nil) async throws -> String {
        guard let api else {
            throw ToolFailure("this tool needs the codeb controller; set --server/CODEB_SERVER and CODEB_TOKEN (only validate works without one)")
        }
        let (status, body) = try await api.send(method, path, json: json)
        let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        let text = parsed.map(Self.compact) ?? String(decoding: body, as: UTF8.self)
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
        let answer = try await call(.get, "/v1/projects/\(project)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let view = try? decoder.decode(ProjectView.self, from: Data(answer.utf8)),
              let found = view.environments.first(where: { $0.environment == environment })
        else { throw ToolFailure("\(project) has no environment \(environment)") }
        let wanted = arguments.int("revision") ?? found.generation
        // The same decision `codeb apply --wait` makes.
        let phase = RolloutPhase.of(found, revision: wanted)
        var summary: [String: Any] = ["rollout": "\(project)/\(environment)@\(wanted)", "phase": wanted > found.generation ? "unknown revision" : phase.name]
        let slotName: SlotName? = switch phase {
        case .live(let slot, _), .failed(let slot, _), .waiting(let slot, _, _, _, _): slot
        case .pending, .superseded: nil
        }
        if let slotName, let slot = found.slots.first(where: { $0.slot == slotName }),
           let data = try? JSONEncoder().encode(slot), let object = try? JSONSerialization.jsonObject(with: data) {
            summary["slot"] = object
        }
        if let data = try? JSONEncoder().encode(found.status.conditions), let conditions = try? JSONSerialization.jsonObject(with: data) {
            summary["conditions"] = conditions
        }
        return (Self.compact(summary), phase.isSettled)
    }

    private func environmentPath(_ arguments: Arguments) throws -> String {
        "/v1/projects/\(try arguments.name("project"))/environments/\(try arguments.name("environment", default: "production"))"
    }

    /// Located problems, one per line, or what the file deploys.
    static func validate(_ text: String, variables: [String: String]) throws -> String {
        do {
            let spec = try SpecLoader.load(text, file: "codeb.yaml", variables: Variables(variables))
            let environments = spec.environments.sorted { $0.key.value < $1.key.value }.map { name, environment in
                name.value + (environment.domains.isEmpty ? "" : " (\(environment.domains.map(\.value).joined(separator: ", ")))")
            }
            return compact([
                "valid": true, "project": spec.project.value, "team": spec.team.value,
                "environments": environments,
            ])
        } catch {
            throw ToolFailure(compact([
                "valid": false,
                "problems": error.problems.map { "codeb.yaml:\($0.line):\($0.column): \($0.path.isEmpty ? "" : $0.path + ": ")\($0.message)" },
            ]))
        }
    }

    /// Adds `rollouts: ["project/environment@revision"]` to an apply's answer, and to each
    /// environment the `plan` (actions) its dry run showed.
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
        return compact(result)
    }

    static func compact(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A registry host as the API takes it in its path (`host` or `host:port`), checked here so
    /// no `/`, `?` or `#` reshapes the URL.
    static func checkedHost(_ value: String) throws -> String {
        guard (try? RegistryHost(parsing: value)) != nil else {
            throw ToolFailure("host \(value.debugDescription.prefix(80)) is not a registry host such as registry.example.com or localhost:5000")
        }
        return value
    }

    static func checkedName(_ value: String, _ what: String) throws -> String {
        guard (try? ResourceName(parsing: value)) != nil || (try? EnvironmentName(parsing: value)) != nil else {
            throw ToolFailure("\(what) \(value.debugDescription.prefix(80)) is not a name (lowercase letters, digits and '-')")
        }
        return value
    }
}
