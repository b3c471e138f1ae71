import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb teams create NAME [--domains acme.com,acme.dev]`.
struct TeamsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Register a team; then `codeb keys create --team NAME` gives it keys.")
    @Argument(help: "The team's name: [a-z0-9-], 1–32 characters.") var name: String
    @Option(help: "Comma-separated domain suffixes the team may claim (its specs' domains must end in one). Unset: any domain.") var domains: String?
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let team = try TeamsCommand.name(name)
        let domains = try TeamsCommand.domains(domains)
        _ = try await client.client().perform { try await $0.teamCreate(body: .json(.init(name: team.value, domains: domains))).created }
        print("created team \(team)")
    }
}
