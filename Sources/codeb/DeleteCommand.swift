import APIModel
import ArgumentParser
import Foundation

/// `codeb delete PROJECT --env E`: removes the environment's containers, site and state.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an environment: containers, site file, ports.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        _ = try await client.client().perform { try await $0.deleteEnvironment(path: .init(project: target.project, environment: target.environment)).accepted }
        print("\(target.project)/\(target.environment): deleting")
    }
}
