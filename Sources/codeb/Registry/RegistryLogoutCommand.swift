import APIModel
import ArgumentParser
import Foundation
import Spec

/// `codeb registry logout HOST`.
struct RegistryLogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget the team's login to HOST.")
    @Argument(help: "The registry.") var host: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let checked = try RegistryCommand.host(host)
        _ = try await client.client().perform { try await $0.registryLogout(path: .init(host: checked)).ok }
        print("logged out of \(host)")
    }
}
