import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb cleanup PROJECT [--env E]` (admin): removes the stopped containers of failed rollouts.
struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Remove failed slots (their stopped containers) of a project's environments (admin)."
    )
    @Argument(help: "The project.") var project: String
    @Option(name: .customLong("env"), help: "Only this environment. [default: all of the project's]") var environment: String?
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let project: ResourceName
        do {
            project = try ResourceName(parsing: self.project)
        } catch {
            throw ValidationError("project: \(error.message)")
        }
        var only: EnvironmentName?
        if let environment {
            do {
                only = try EnvironmentName(parsing: environment)
            } catch {
                throw ValidationError("--env: \(error.message)")
            }
        }
        let cleaned = try await client.client().perform {
            try await $0.cleanup(path: .init(project: project.value), query: .init(environment: only?.value)).accepted.body.json.cleaned
        }
        print(cleaned.isEmpty ? "\(project): no failed slot to clean up" : "\(project): cleaning up " + cleaned.joined(separator: ", "))
    }
}
