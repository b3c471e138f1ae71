import ArgumentParser
import Foundation
import NIOHTTP1
import Spec

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
        do {
            _ = try spec.load()
        } catch let error as SpecError {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        let text = String(decoding: try spec.readBytes(), as: UTF8.self)
        let body: [String: AnyEncodable] = [
            "spec": AnyEncodable(text),
            "file": AnyEncodable(spec.displayName),
            "variables": AnyEncodable(spec.referencedVariables(in: text)),
            "environments": AnyEncodable(environments.isEmpty ? nil : environments),
            "dryRun": AnyEncodable(true),
        ]
        let answer = try await client.client().call(.POST, "/v1/apply", body: try JSONEncoder().encode(body), as: ApplyCommand.Answer.self)
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
