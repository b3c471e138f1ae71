import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb teams create|list|update|delete`: the teams sharing this controller (owner keys only).
struct TeamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teams",
        abstract: "Create, list, update and delete teams (owner).",
        subcommands: [TeamsCreateCommand.self, TeamsListCommand.self, TeamsUpdateCommand.self, TeamsDeleteCommand.self]
    )

    /// `--domains a.com,b.dev` as the API takes it (checked there; empty items dropped here).
    static func domains(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    /// A team name checked here, so nothing else reaches the request path.
    static func name(_ text: String) throws -> ResourceName {
        do {
            return try ResourceName(parsing: text)
        } catch {
            throw ValidationError("team: \(error.message)")
        }
    }
}

/// `codeb teams create NAME [--domains acme.com,acme.dev]`.
struct TeamsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Register a team; then `codeb keys create --team NAME` gives it keys.")
    @Argument(help: "The team's name: [a-z0-9-], 1–32 characters.") var name: String
    @Option(help: "Comma-separated domain suffixes the team may claim (its specs' domains must end in one). Unset: any domain.") var domains: String?
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let team = try TeamsCommand.name(name)
        let domains = try TeamsCommand.domains(domains)
        _ = try await client.client().perform { try await $0.teamCreate(body: .json(.init(name: team.value, domains: domains))).created }
        print("created team \(team)")
    }
}

/// `codeb teams list`.
struct TeamsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List teams with their projects and working keys.")
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let teams = try await client.client().perform { try await $0.teamsList().ok.body.json }
        if output == .json { return print(try JSONOutput.encode(teams)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["TEAM", "PROJECTS", "KEYS", "CREATED", "DOMAINS"]]
        for team in teams {
            rows.append([team.name, String(team.projects), String(team.keys), team.createdAt.map(formatter.string(from:)) ?? "-",
                         team.domains.map { $0.isEmpty ? "(none)" : $0.joined(separator: ",") } ?? "(any)"])
        }
        print(TextTable.render(rows))
    }
}

/// `codeb teams update NAME --domains a.com,b.dev | --any-domain`.
struct TeamsUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Set the domain suffixes a team may claim.")
    @Argument(help: "The team's name.") var name: String
    @Option(help: "Comma-separated domain suffixes, e.g. acme.com,acme.dev (an empty value allows none).") var domains: String?
    @Flag(help: "Let the team claim any domain (no suffixes).") var anyDomain = false
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard (domains != nil) != anyDomain else { throw ValidationError("give --domains or --any-domain") }
    }

    func run() async throws {
        let team = try TeamsCommand.name(name)
        // No `domains` (null) means any domain.
        let suffixes = anyDomain ? nil : try TeamsCommand.domains(domains)
        let answer = try await client.client().perform { try await $0.teamDomains(path: .init(name: team.value), body: .json(.init(domains: suffixes))).ok.body.json }
        print("team \(team) may claim: \(answer.domains == "any" ? "any domain" : answer.domains.isEmpty ? "no domain" : answer.domains)")
    }
}

/// `codeb teams delete NAME`: only a team without projects; its keys stop working.
struct TeamsDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a team that owns no project; its keys stop working at once.")
    @Argument(help: "The team's name.") var name: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let team = try TeamsCommand.name(name)
        _ = try await client.client().perform { try await $0.teamDelete(path: .init(name: team.value)).ok }
        print("deleted team \(team)")
    }
}
