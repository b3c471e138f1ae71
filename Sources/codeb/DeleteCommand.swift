import APIModel
import ArgumentParser
import Foundation

/// `codeb delete PROJECT --env E`: removes the environment's containers, site and state.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an environment: containers, site file, ports.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        _ = try await client.client().call(.delete, target.path, as: [String: String].self)
        print("\(target.project)/\(target.environment): deleting")
    }
}
