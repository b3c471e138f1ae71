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
        let path = try SecretsCommand.path(project) + "/unset"
        _ = try SecretsCommand.query(environment)
        guard !names.isEmpty else { throw ValidationError("name at least one secret") }
        let api = try client.client()
        let body = try JSONEncoder().encode(SecretsUnsetRequest(environment: environment, names: names))
        let result = try await api.call(.post, path, body: body, as: SecretsChangeResult.self)
        try await SecretsCommand.report(result, verb: "unset", wait: wait, api: api, limit: limit)
    }
}
