import APIModel
import Drivers
import Foundation
import OpenAPIRuntime
import Planning
import Spec
import State

extension ControllerAPI {
    public func apply(_ input: Operations.Apply.Input) async throws -> Operations.Apply.Output {
        let context = try routed()
        // Never with what the spec says: its problems may quote values.
        let (request, spec) = try await readAudited(context, detail: { error in
            error.details.map { "\($0.count) problem\($0.count == 1 ? "" : "s") in the spec" } ?? "the request body could not be read"
        }) {
            try await Self.applyInput(input)
        }
        let dryRun = request.dryRun ?? false
        let result = try await audited(target: spec.project.value, context, variant: dryRun ? "dry-run" : nil) {
            try await apply(request, spec, dryRun: dryRun, context)
        }
        return dryRun ? .ok(.init(body: .json(result))) : .accepted(.init(body: .json(result)))
    }

    /// The request's spec, read and loaded; throws `APIError`s that say what is wrong.
    private static func applyInput(_ input: Operations.Apply.Input) async throws -> (ApplyRequest, Spec) {
        let request: ApplyRequest
        switch input.body {
        case .json(let body):
            request = body
        case .yaml(let body):
            // A bare codeb.yaml (curl --data-binary @codeb.yaml -H 'Content-Type: application/yaml');
            // options come from the query: ?dryRun=1&environment=production. The body's size
            // is bounded by the contract's limit before it gets here.
            let text = try await String(collecting: body, upTo: .max)
            request = ApplyRequest(
                spec: text, environments: input.query.environment.flatMap { $0.isEmpty ? nil : $0 },
                dryRun: input.query.dryRun.map { $0 == ._1 || $0 == ._true },
                expectedGeneration: input.query.expectedGeneration
            )
        }
        do {
            return (request, try SpecLoader.load(request.spec, file: request.file ?? "codeb.yaml", variables: Variables(request.variables ?? [:])))
        } catch {
            throw APIError.from(error)
        }
    }

    private func apply(_ input: ApplyRequest, _ spec: Spec, dryRun: Bool, _ context: APIContext) async throws -> ApplyResult {
        let principal = try context.caller()
        guard spec.team == principal.team else {
            throw APIError(.forbidden, code: "forbidden", "your key is for team \(principal.team); the spec names team \(spec.team)")
        }
        var names: [EnvironmentName] = []
        for text in input.environments ?? spec.orderedEnvironments.map(\.name.value).filter({ $0 != "preview" }) {
            names.append(try Self.environmentName(text))
        }
        try await checkDomains(spec, names, text: input.spec, file: input.file ?? "codeb.yaml", team: principal.team)
        var results: [ApplyResult.Environment] = []
        for name in names {
            let key = EnvironmentKey(project: spec.project, environment: name)
            let current = try await store.load(key)
            if let current, current.team != principal.team {
                throw APIError(.conflict, code: "conflict", "the project name \(spec.project) is taken")
            }
            guard var wanted = spec.environment(named: name) else {
                throw APIError(.notFound, code: "not_found", "codeb.yaml defines no environment \(name)")
            }
            if dryRun {
                // Pinned as the apply would pin them, so the diff and the no-op check see the values' versions.
                wanted.template.secretsBinding = try await operations.bindSecrets(wanted, team: spec.team, key: key)
                let changes = wanted.changes(from: current?.desired?.spec)
                let same = current?.desired?.spec == wanted
                let number = same ? current?.generation ?? 0 : (current?.generation ?? 0) + 1
                results.append(.init(environment: name.value, revision: number, created: !same, changes: changes,
                                     actions: try await plannedActions(key, wanted, team: spec.team, number: number, author: principal.author)))
            } else {
                let before = current?.generation ?? 0
                let revision = try await operations.apply(spec, environment: name, author: principal.author, expectedGeneration: input.expectedGeneration)
                // The apply pinned the secrets; what it recorded is what changed.
                let changes = revision.spec.changes(from: current?.desired?.spec)
                results.append(.init(environment: name.value, revision: revision.number, created: revision.number > before, changes: changes, actions: nil))
            }
        }
        return ApplyResult(project: spec.project.value, team: spec.team.value, dryRun: dryRun, environments: results)
    }

    /// The planner's next pass as if `wanted` were stored as revision `number`: observed from the
    /// real host, planned, not executed. Nil when this controller cannot observe (no reconciler).
    func plannedActions(_ key: EnvironmentKey, _ wanted: EnvironmentSpec, team: ResourceName, number: Int, author: String) async throws -> [String]? {
        guard let reconciler else { return nil }
        var input: PlanInput
        if let observed = try await reconciler.observe(key) {
            input = observed
        } else {
            // A new environment: its ports are not allocated yet, so the plan shows the range's first pair.
            input = PlanInput(state: EnvironmentState(key: key, team: team, ports: PortPair(blue: operations.ports[key.environment.kind].lowerBound)), now: time.now())
        }
        if input.state.desired?.spec != wanted {
            input.state.revisions.append(Revision(number: number, spec: wanted, source: .apply, author: author, createdAt: input.now))
        }
        return Planner.plan(input).actions.compactMap { action in
            if case .recordStatus = action { return nil }
            return action.description
        }
    }

    static func environmentName(_ text: String) throws -> EnvironmentName {
        do {
            return try EnvironmentName(parsing: text)
        } catch let error as InvalidValue {
            throw APIError(.badRequest, code: "bad_request", "environment \(text): \(error.message)")
        }
    }

    public func listProjects(_ input: Operations.ListProjects.Input) async throws -> Operations.ListProjects.Output {
        let principal = try routed().caller()
        var projects: [String: ProjectView] = [:]
        for key in try await store.keys() {
            guard let state = try await store.load(key), state.team == principal.team, !state.deleting else { continue }
            let view = await EnvironmentView.with(state, previewDomain: reconciler?.previewDomain, reconciler: reconciler, now: Date())
            projects[key.project.value, default: ProjectView(project: key.project.value, team: state.team.value, environments: [])].environments.append(view)
        }
        return .ok(.init(body: .json(projects.values.sorted { $0.project < $1.project })))
    }

    public func projectStatus(_ input: Operations.ProjectStatus.Input) async throws -> Operations.ProjectStatus.Output {
        let principal = try routed().caller()
        guard let name = try? ResourceName(parsing: input.path.project) else {
            throw APIError.notFound("that project")
        }
        var environments: [EnvironmentView] = []
        for key in try await store.keys() where key.project == name {
            guard let state = try await store.load(key), state.team == principal.team, !state.deleting else { continue }
            environments.append(await EnvironmentView.with(state, previewDomain: reconciler?.previewDomain, reconciler: reconciler, now: Date()))
        }
        guard !environments.isEmpty else { throw APIError.notFound("project \(name)") }
        return .ok(.init(body: .json(ProjectView(project: name.value, team: principal.team.value, environments: environments))))
    }

    public func history(_ input: Operations.History.Input) async throws -> Operations.History.Output {
        let principal = try routed().caller()
        let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
        // Each with what it changed from the one before it, worded as apply words it.
        var views: [RevisionView] = []
        for (index, revision) in state.revisions.enumerated() {
            var view = RevisionView(revision)
            view.changes = revision.spec.changes(from: index > 0 ? state.revisions[index - 1].spec : nil)
            views.append(view)
        }
        return .ok(.init(body: .json(views.reversed())))
    }

    public func promote(_ input: Operations.Promote.Input) async throws -> Operations.Promote.Output {
        let context = try routed()
        let target = (try? environmentKey(project: input.path.project, environment: input.path.environment).description) ?? "-"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
            let number = try await operations.promote(state.key, author: principal.author, bake: input.query.bake == ._1)
            return .accepted(.init(body: .json(.init(promoted: number))))
        }
    }

    public func rollback(_ input: Operations.Rollback.Input) async throws -> Operations.Rollback.Output {
        let context = try routed()
        let target = (try? environmentKey(project: input.path.project, environment: input.path.environment).description) ?? "-"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
            let revision = try await operations.rollback(state.key, author: principal.author)
            return .accepted(.init(body: .json(RevisionView(revision))))
        }
    }

    public func setMaintenance(_ input: Operations.SetMaintenance.Input) async throws -> Operations.SetMaintenance.Output {
        let context = try routed()
        let target = (try? environmentKey(project: input.path.project, environment: input.path.environment).description) ?? "-"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            guard case .json(let body) = input.body else { throw APIError(.badRequest, code: "bad_request", "the body must be JSON") }
            let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
            let message: String, retryAfter: Int
            do {
                message = try body.message.map(Maintenance.message(parsing:)) ?? Maintenance.defaultMessage
                let duration = try body.retryAfter.map(SpecDuration.init(parsing:)) ?? .seconds(Int64(Maintenance.defaultRetryAfter))
                guard (1_000...86_400_000).contains(duration.milliseconds) else { throw InvalidValue("retryAfter must be from 1s to 24h, not \(duration)") }
                retryAfter = Int(duration.milliseconds / 1000)
            } catch let error as InvalidValue {
                throw APIError(.badRequest, code: "bad_request", error.message)
            }
            let now = operations.time.now()
            let set = try await operations.setMaintenance(state.key, Maintenance(message: message, retryAfter: retryAfter, since: now, by: principal.author))
            guard let set else { throw APIError.notFound(state.key.description) }
            return .ok(.init(body: .json(MaintenanceView(message: set.message, retryAfter: set.retryAfter, since: set.since, by: set.by))))
        }
    }

    public func clearMaintenance(_ input: Operations.ClearMaintenance.Input) async throws -> Operations.ClearMaintenance.Output {
        let context = try routed()
        let target = (try? environmentKey(project: input.path.project, environment: input.path.environment).description) ?? "-"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
            try await operations.setMaintenance(state.key, nil)
            return .noContent(.init())
        }
    }

    public func deleteEnvironment(_ input: Operations.DeleteEnvironment.Input) async throws -> Operations.DeleteEnvironment.Output {
        let context = try routed()
        let target = (try? environmentKey(project: input.path.project, environment: input.path.environment).description) ?? "-"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
            try await operations.delete(state.key, author: principal.author, purgeData: input.query.purgeData == ._1)
            return .accepted(.init(body: .json(.init(deleting: state.key.description))))
        }
    }
}
