import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb apply -f codeb.yaml`: shows what changes, sends the spec, and with `--wait` follows
/// the rollout: exit 0 live, 3 rollout failed, 4 timed out.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Send a codeb.yaml to the controller.",
        discussion: WaitOptions.exitCodes
    )

    @OptionGroup var spec: SpecFileOptions
    @OptionGroup var client: ClientOptions

    @Option(name: .customLong("env"), help: "Apply only this environment (repeatable); preview-<name> creates a preview instance.")
    var environments: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Show what would change and stop.")
    var dryRun = false

    @OptionGroup var wait: WaitOptions

    func run() async throws {
        let limit = try wait.limit()
        let (loaded, body) = try spec.applyRequest(environments: environments, dryRun: dryRun, problemStatus: 2)
        let api = try client.client()
        let answer = try await api.apply(body)
        for environment in answer.environments {
            let verb = dryRun ? (environment.created ? "would create" : "unchanged at") : (environment.created ? "created" : "unchanged at")
            print("\(answer.project)/\(environment.environment): \(verb) revision \(environment.revision)")
            for change in environment.changes where environment.created { print("  \(change)") }
            for action in environment.actions ?? [] { print("  plan: \(action)") }
        }
        guard wait.wait, !dryRun else { return }
        try await RolloutWatcher(api: api, project: loaded.project.value, targets: answer.environments.map { ($0.environment, $0.revision) }, limit: limit).run()
    }
}
