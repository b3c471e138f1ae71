import APIModel
import ArgumentParser
import Foundation

/// `codeb secrets list PROJECT [--env E]`: names, where, version, who and when — never values.
struct SecretsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a project's secrets: names, version, who and when (never values).")
    @Argument(help: "The project.") var project: String
    @Option(name: .customLong("env"), help: "Only those set for this environment. [default: every scope]") var environment: String?
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let (project, environment) = (try CheckedNames.project(project), try CheckedNames.environment(environment))
        let secrets = try await client.client().perform { try await $0.secretsList(path: .init(project: project), query: .init(environment: environment)).ok.body.json }
        if output == .json { return print(try JSONOutput.encode(secrets)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["NAME", "SCOPE", "VERSION", "SET BY", "SET AT"]]
        for secret in secrets {
            rows.append([secret.name, secret.environment ?? "(all)", String(secret.version), secret.setBy, formatter.string(from: secret.setAt)])
        }
        print(TextTable.render(rows))
    }
}
