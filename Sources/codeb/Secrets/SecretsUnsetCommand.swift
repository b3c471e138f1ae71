import APIModel
import ArgumentParser
import Foundation

/// `codeb secrets unset PROJECT [--env E] NAME… [--wait]`.
struct SecretsUnsetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unset", abstract: "Remove secrets (refused while an environment still names one in codeb.yaml).",
        discussion: WaitOptions.exitCodes
    )
    @Argument(help: "The project.") var project: String
    @Option(name: .customLong("env"), help: "The environment the values were set for. [default: the whole project]")
    var environment: String?
    @Argument(help: "The names.") var names: [String]
    @OptionGroup var client: ClientOptions
    @OptionGroup var wait: WaitOptions

    func run() async throws {
        let limit = try wait.limit()
        let project = try CheckedNames.project(self.project)
        let environment = try CheckedNames.environment(environment)
        guard !names.isEmpty else { throw ValidationError("name at least one secret") }
        let api = try client.client()
        let result = try await api.perform {
            try await $0.secretsUnset(path: .init(project: project), body: .json(SecretsUnsetRequest(environment: environment, names: names))).accepted.body.json
        }
        try await SecretsCommand.report(result, verb: "unset", wait: wait, api: api, limit: limit)
    }
}
