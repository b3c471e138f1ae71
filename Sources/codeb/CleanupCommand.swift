import APIModel
import ArgumentParser
import Foundation

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
        let (project, only) = (try CheckedNames.project(self.project), try CheckedNames.environment(environment))
        let cleaned = try await client.client().perform {
            try await $0.cleanup(path: .init(project: project), query: .init(environment: only)).accepted.body.json.cleaned
        }
        print(cleaned.isEmpty ? "\(project): no failed slot to clean up" : "\(project): cleaning up " + cleaned.joined(separator: ", "))
    }
}
