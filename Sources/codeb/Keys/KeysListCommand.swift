import APIModel
import ArgumentParser
import Foundation
import State

/// `codeb keys list`: the team's keys (an owner sees every team's), never the keys themselves.
struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List API keys (admin).")
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let keys = try await client.client().perform { try await $0.listKeys().ok.body.json }
        if output == .json { return print(try JSONOutput.encode(keys)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["ID", "TEAM", "ROLE", "NAME", "CREATED", "REVOKED"]]
        for key in keys {
            rows.append([key.id, key.team, key.role, key.name, formatter.string(from: key.createdAt), key.revokedAt.map(formatter.string(from:)) ?? "-"])
        }
        print(TextTable.render(rows))
    }
}
