import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb teams delete NAME`: only a team without projects; its keys stop working.
struct TeamsDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a team that owns no project; its keys stop working at once.")
    @Argument(help: "The team's name.") var name: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let team = try TeamsCommand.name(name)
        _ = try await client.client().perform { try await $0.teamDelete(path: .init(name: team.value)).ok }
        print("deleted team \(team)")
    }
}
