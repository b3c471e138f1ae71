import APIModel
import ArgumentParser
import Foundation

/// `codeb promote PROJECT [--env E] [--bake] [--wait]`: approves the latest revision (for
/// `promote: manual`), with `--bake` baked once live, and with `--wait` follows it until it
/// takes traffic and its bake ends (exit codes as `apply --wait`).
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Let the latest revision take traffic once healthy.",
        discussion: WaitOptions.exitCodes
    )
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @OptionGroup var wait: WaitOptions
    @Flag(help: "Bake it after it takes traffic (the spec's bake:, else 5m at 2% 5xx after 50 requests): back to the previous slot by itself if it fails its users.")
    var bake = false

    func run() async throws {
        let limit = try wait.limit()
        let api = try client.client()
        let revision = try await api.perform {
            try await $0.promote(path: .init(project: target.project, environment: target.environment), query: .init(bake: bake ? ._1 : nil)).accepted.body.json.promoted
        }
        print("\(target.project)/\(target.environment): revision \(revision) approved for promotion" + (bake ? ", baked once it takes traffic" : ""))
        try await wait.follow(api, target, revision: revision, limit: limit)
    }
}
