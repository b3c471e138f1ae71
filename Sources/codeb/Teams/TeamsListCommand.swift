import APIModel
import ArgumentParser
import Foundation
import Spec
import State

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
