import APIModel
import ArgumentParser
import Foundation

/// `codeb secrets history PROJECT [--env E]`: every version, newest first.
struct SecretsHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Every change of a project's secrets, newest first (names only).")
    @Argument(help: "The project.") var project: String
    @Option(name: .customLong("env"), help: "Only changes for this environment.") var environment: String?
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let (project, environment) = (try CheckedNames.project(project), try CheckedNames.environment(environment))
        let versions = try await client.client().perform { try await $0.secretsHistory(path: .init(project: project), query: .init(environment: environment)).ok.body.json }
        if output == .json { return print(try JSONOutput.encode(versions)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["VERSION", "SCOPE", "SET", "UNSET", "BY", "AT"]]
        for version in versions {
            rows.append([String(version.version), version.environment ?? "(all)", version.set.joined(separator: ",").ifEmpty("-"),
                         version.unset.joined(separator: ",").ifEmpty("-"), version.author, formatter.string(from: version.at)])
        }
        print(TextTable.render(rows))
    }
}
