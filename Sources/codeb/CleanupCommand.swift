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
        var query = ""
        if let environment {
            do {
                query = "?environment=\(try EnvironmentName(parsing: environment))"
            } catch {
                throw ValidationError("--env: \(error.message)")
            }
        }
        let answer = try await client.client().call(.post, "/v1/projects/\(project)/cleanup\(query)", as: [String: [String]].self)
        let cleaned = answer["cleaned"] ?? []
        print(cleaned.isEmpty ? "\(project): no failed slot to clean up" : "\(project): cleaning up " + cleaned.joined(separator: ", "))
    }
}
