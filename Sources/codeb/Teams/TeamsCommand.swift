import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb teams create|list|delete`: the teams sharing this controller (owner keys only).
struct TeamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teams",
        abstract: "Create, list and delete teams (owner).",
        subcommands: [TeamsCreateCommand.self, TeamsListCommand.self, TeamsDeleteCommand.self]
    )

    /// A team name checked here, so nothing else reaches the request path.
    static func name(_ text: String) throws -> ResourceName {
        do {
            return try ResourceName(parsing: text)
        } catch {
            throw ValidationError("team: \(error.message)")
        }
    }
}

/// `codeb teams create NAME`.
struct TeamsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Register a team; then `codeb keys create --team NAME` gives it keys.")
    @Argument(help: "The team's name: [a-z0-9-], 1–32 characters.") var name: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let team = try TeamsCommand.name(name)
        let body = try JSONEncoder().encode(["name": team.value])
        _ = try await client.client().call(.post, "/v1/teams", body: body, as: TeamView.self)
        print("created team \(team)")
    }
}

/// `codeb teams list`.
struct TeamsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List teams with their projects and working keys.")
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let teams = try await client.client().call(.get, "/v1/teams", as: [TeamView].self)
        if output == .json { return print(try JSONOutput.encode(teams)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["TEAM", "PROJECTS", "KEYS", "CREATED"]]
        for team in teams {
            rows.append([team.name, String(team.projects), String(team.keys), team.createdAt.map(formatter.string(from:)) ?? "-"])
        }
        print(TextTable.render(rows))
    }
}

/// `codeb teams delete NAME`: only a team without projects; its keys stop working.
struct TeamsDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a team that owns no project; its keys stop working at once.")
    @Argument(help: "The team's name.") var name: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let team = try TeamsCommand.name(name)
        _ = try await client.client().call(.delete, "/v1/teams/\(team)", as: [String: String].self)
        print("deleted team \(team)")
    }
}
