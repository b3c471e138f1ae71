import APIModel
import Drivers
import Foundation
import OpenAPIRuntime
import Spec
import State

extension ControllerAPI {
    /// `GET /v1/teams`: every team (registered, holding keys or projects) with its counts.
    public func teamsList(_ input: Operations.TeamsList.Input) async throws -> Operations.TeamsList.Output {
        var views: [String: TeamView] = [:]
        for team in try await keys.teams() {
            views[team.name.value] = TeamView(name: team.name.value, projects: 0, keys: 0, createdAt: team.createdAt, createdBy: team.createdBy,
                                              domains: team.domains?.map(\.value))
        }
        for key in try await keys.keys() where key.revokedAt == nil {
            views[key.team.value, default: TeamView(name: key.team.value, projects: 0, keys: 0)].keys += 1
        }
        for (team, projects) in try await projectsByTeam() {
            views[team.value, default: TeamView(name: team.value, projects: 0, keys: 0)].projects = projects.count
        }
        return .ok(.init(body: .json(views.values.sorted { $0.name < $1.name })))
    }

    /// `POST /v1/teams {"name": "…", "domains": ["acme.com", …]}` (owner).
    public func teamCreate(_ input: Operations.TeamCreate.Input) async throws -> Operations.TeamCreate.Output {
        let context = try routed()
        let request = switch input.body { case .json(let body): body }
        let (name, domains) = try await readAudited(context) {
            try Self.teamInput(name: request.name, domains: request.domains)
        }
        return try await audited(target: name.value, context) {
            let principal = try context.caller()
            let known = try await keys.teams().map(\.name) + projectsByTeam().keys
            guard !known.contains(name) else {
                throw APIError(.conflict, code: "conflict", "team \(name) exists")
            }
            try await keys.addTeam(TeamRecord(name: name, createdAt: time.now(), createdBy: principal.keyID, domains: domains))
            return .created(.init(body: .json(TeamView(name: name.value, projects: 0, keys: 0, createdAt: time.now(), createdBy: principal.keyID,
                                                       domains: domains?.map(\.value)))))
        }
    }

    /// `PUT /v1/teams/{name}/domains {"domains": […] | null}` (owner): the suffixes the team may
    /// claim from now on. Domains it holds already stay its own; a later apply naming one
    /// outside them is refused.
    public func teamDomains(_ input: Operations.TeamDomains.Input) async throws -> Operations.TeamDomains.Output {
        let context = try routed()
        let text = input.path.name
        let request = switch input.body { case .json(let body): body }
        let domains = try await readAudited(context) { try Self.suffixes(request.domains) }
        return try await audited(target: String(text.prefix(64)), context, detail: domains.map { $0.map(\.value).joined(separator: ",") } ?? "any") {
            guard let name = try? ResourceName(parsing: text), try await keys.setTeamDomains(name, domains) else {
                throw APIError.notFound("team \(text.prefix(64))")
            }
            return .ok(.init(body: .json(.init(team: name.value, domains: domains.map { $0.map(\.value).joined(separator: ",") } ?? "any"))))
        }
    }

    /// `DELETE /v1/teams/{name}` (owner): only a team without projects; its keys go with it.
    public func teamDelete(_ input: Operations.TeamDelete.Input) async throws -> Operations.TeamDelete.Output {
        let context = try routed()
        let text = input.path.name
        return try await audited(target: String(text.prefix(64)), context) {
            let principal = try context.caller()
            guard let name = try? ResourceName(parsing: text) else { throw APIError.notFound("team \(text.prefix(64))") }
            guard name != principal.team else {
                throw APIError(.conflict, code: "conflict", "team \(name) is the team of the key you are using; delete it with an owner key of another team")
            }
            if let projects = try await projectsByTeam()[name], !projects.isEmpty {
                throw APIError(.conflict, code: "conflict", "team \(name) still owns \(projects.count) project\(projects.count == 1 ? "" : "s") (\(projects.map(\.value).sorted().joined(separator: ", "))); delete their environments first")
            }
            guard try await keys.removeTeam(name) else { throw APIError.notFound("team \(name)") }
            // What the team held beyond its keys goes too: a team created later under the same
            // name starts with no secrets, registry logins or right to images it pulled. Its
            // audit entries and events stay (history), unseen by the new team (they predate it).
            try await vault?.store.forgetTeam(name)
            try await reconciler?.executor.provenance?.forget(team: name.value)
            return .ok(.init(body: .json(.init(deleted: name.value))))
        }
    }

    /// Which team owns which projects, from the store.
    func projectsByTeam() async throws -> [ResourceName: Set<ResourceName>] {
        var owners: [ResourceName: Set<ResourceName>] = [:]
        for key in try await store.keys() {
            guard let state = try await store.load(key) else { continue }
            owners[state.team, default: []].insert(key.project)
        }
        return owners
    }

    static func teamInput(name: String, domains: [String]?) throws -> (ResourceName, [Hostname]?) {
        do {
            return (try ResourceName(parsing: name), try suffixes(domains))
        } catch let error as InvalidValue {
            throw APIError(.badRequest, code: "bad_request", "name: \(error.message)")
        }
    }

    /// Domain suffixes as hostnames (at most 100), or nil for any domain.
    static func suffixes(_ texts: [String]?) throws -> [Hostname]? {
        guard let texts else { return nil }
        guard texts.count <= 100 else { throw APIError(.badRequest, code: "bad_request", "at most 100 domain suffixes per team") }
        return try texts.map { text in
            do {
                return try Hostname(parsing: text)
            } catch let error as InvalidValue {
                throw APIError(.badRequest, code: "bad_request", "domains: `\(text.prefix(80))`: \(error.message)")
            }
        }
    }
}
