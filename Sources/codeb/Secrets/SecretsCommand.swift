import APIModel
import ArgumentParser
import Foundation
import Spec

/// `codeb secrets set|unset|list|history|rotate-key`: values that never live in git. Members set
/// and unset; viewers list names; no command prints a value, because the API never returns one.
struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Set, unset and list a project's secrets (values never shown).",
        discussion: "codeb.yaml names them (`secrets: [DATABASE_URL]`); their values live in the controller, sealed with its key.",
        subcommands: [SecretsSetCommand.self, SecretsUnsetCommand.self, SecretsListCommand.self, SecretsHistoryCommand.self, SecretsRotateKeyCommand.self]
    )

    /// Prints the rollouts a change started, and with `--wait` follows them.
    static func report(_ result: SecretsChangeResult, verb: String, wait: WaitOptions, api: APIClient, limit: Duration) async throws {
        print("\(result.project): \(verb) \(result.names.joined(separator: ", ")) (secrets version \(result.version))")
        if result.rollouts.isEmpty {
            print("no environment runs with \(result.names.count == 1 ? "it" : "them") yet; an apply that names \(result.names.count == 1 ? "it" : "them") picks \(result.names.count == 1 ? "it" : "them") up")
            return
        }
        for rollout in result.rollouts {
            print("\(result.project)/\(rollout.environment): revision \(rollout.revision) rolls out the new values")
        }
        guard wait.wait else { return }
        try await RolloutWatcher(
            api: api, project: result.project, targets: result.rollouts.map { ($0.environment, $0.revision) }, limit: limit
        ).run()
    }
}
