import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb diff -f codeb.yaml`: what an apply would change; exit 0 without changes, 2 with.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what applying a codeb.yaml would change.",
        discussion: "Exit codes: 0 nothing would change, 2 something would."
    )

    @OptionGroup var spec: SpecFileOptions
    @OptionGroup var client: ClientOptions

    @Option(name: .customLong("env"), help: "Only this environment (repeatable).")
    var environments: [String] = []

    func run() async throws {
        let (_, body) = try spec.applyRequest(environments: environments, dryRun: true, problemStatus: 1)
        let answer = try await client.client().apply(body)
        var changed = false
        for environment in answer.environments {
            if environment.created {
                changed = true
                print("\(answer.project)/\(environment.environment): would create revision \(environment.revision)")
                for change in environment.changes { print("  \(change)") }
            } else {
                print("\(answer.project)/\(environment.environment): no changes (revision \(environment.revision))")
            }
        }
        if changed { throw ExitCode(2) }
    }
}
