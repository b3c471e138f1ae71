import APIModel
import ArgumentParser
import Foundation

/// `codeb promote PROJECT [--env E] [--wait]`: approves the latest revision (for `promote: manual`)
/// and with `--wait` follows it until it takes traffic (exit codes as `apply --wait`).
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Let the latest revision take traffic once healthy.",
        discussion: WaitOptions.exitCodes
    )
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @OptionGroup var wait: WaitOptions

    func run() async throws {
        let limit = try wait.limit()
        let api = try client.client()
        let revision = try await api.perform { try await $0.promote(path: .init(project: target.project, environment: target.environment)).accepted.body.json.promoted }
        print("\(target.project)/\(target.environment): revision \(revision) approved for promotion")
        try await wait.follow(api, target, revision: revision, limit: limit)
    }
}
