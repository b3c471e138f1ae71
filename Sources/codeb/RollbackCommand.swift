import APIModel
import ArgumentParser
import Foundation

/// `codeb rollback PROJECT [--env E] [--wait]`: back to the warm previous version; with `--wait`
/// follows the switch until traffic is on it (exit codes as `apply --wait`).
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Switch back to the previous version kept warm.",
        discussion: WaitOptions.exitCodes
    )
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @OptionGroup var wait: WaitOptions

    func run() async throws {
        let limit = try wait.limit()
        let api = try client.client()
        let revision = try await api.perform { try await $0.rollback(path: .init(project: target.project, environment: target.environment)).accepted.body.json }
        print("\(target.project)/\(target.environment): revision \(revision.number) rolls back to revision \(revision.rollbackOf ?? 0) (\(revision.image))")
        try await wait.follow(api, target, revision: revision.number, limit: limit)
    }
}
