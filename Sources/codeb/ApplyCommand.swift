import ArgumentParser
import Controller
import Drivers
import Foundation
import NIOHTTP1
import Spec

/// `codeb apply -f codeb.yaml`: shows what changes, sends the spec, and with `--wait` follows
/// the rollout: exit 0 live, 3 rollout failed, 4 timed out.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Send a codeb.yaml to the controller.",
        discussion: "Exit codes with --wait: 0 live, 3 rollout failed, 4 timed out."
    )

    @OptionGroup var spec: SpecFileOptions
    @OptionGroup var client: ClientOptions

    @Option(name: .customLong("env"), help: "Apply only this environment (repeatable); preview-<name> creates a preview instance.")
    var environments: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Show what would change and stop.")
    var dryRun = false

    @Flag(help: "Follow the rollout until it is live, failed or timed out.")
    var wait = false

    @Option(help: "How long --wait waits, e.g. 10m.")
    var timeout: String = "10m"

    struct Answer: Decodable {
        struct Environment: Decodable {
            var environment: String
            var revision: Int
            var created: Bool
            var changes: [String]
        }
        var project: String
        var team: String
        var dryRun: Bool
        var environments: [Environment]
    }

    func run() async throws {
        let limit: SpecDuration
        do { limit = try SpecDuration(parsing: timeout) } catch { throw ValidationError("--timeout: \(error.message)") }
        // Validate locally first: problems show with this machine's file name and variables.
        let loaded: Spec
        do {
            loaded = try spec.load()
        } catch let error as SpecError {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(2)
        }
        let text = String(decoding: try spec.readBytes(), as: UTF8.self)
        let body: [String: AnyEncodable] = [
            "spec": AnyEncodable(text),
            "file": AnyEncodable(spec.displayName),
            "variables": AnyEncodable(spec.referencedVariables(in: text)),
            "environments": AnyEncodable(environments.isEmpty ? nil : environments),
            "dryRun": AnyEncodable(dryRun),
        ]
        let api = try client.client()
        let answer = try await api.call(.POST, "/v1/apply", body: try JSONEncoder().encode(body), as: Answer.self)
        for environment in answer.environments {
            let verb = dryRun ? (environment.created ? "would create" : "unchanged at") : (environment.created ? "created" : "unchanged at")
            print("\(answer.project)/\(environment.environment): \(verb) revision \(environment.revision)")
            for change in environment.changes where environment.created { print("  \(change)") }
        }
        guard wait, !dryRun else { return }
        try await RolloutWatcher(api: api, project: loaded.project.value, targets: answer.environments.map { ($0.environment, $0.revision) }, limit: limit.duration).run()
    }
}

/// Encodes any Encodable (for building a JSON object of mixed values).
struct AnyEncodable: Encodable {
    let encodeValue: (any Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
