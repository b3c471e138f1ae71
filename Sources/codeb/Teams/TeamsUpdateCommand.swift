import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb teams update NAME --domains a.com,b.dev | --any-domain`.
struct TeamsUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Set the domain suffixes a team may claim.")
    @Argument(help: "The team's name.") var name: String
    @Option(help: "Comma-separated domain suffixes, e.g. acme.com,acme.dev (an empty value allows none).") var domains: String?
    @Flag(help: "Let the team claim any domain (no suffixes).") var anyDomain = false
    @OptionGroup var client: ClientOptions

    func validate() throws {
        guard (domains != nil) != anyDomain else { throw ValidationError("give --domains or --any-domain") }
    }

    func run() async throws {
        let team = try TeamsCommand.name(name)
        // No `domains` (null) means any domain.
        let suffixes = anyDomain ? nil : try TeamsCommand.domains(domains)
        let answer = try await client.client().perform { try await $0.teamDomains(path: .init(name: team.value), body: .json(.init(domains: suffixes))).ok.body.json }
        print("team \(team) may claim: \(answer.domains == "any" ? "any domain" : answer.domains.isEmpty ? "no domain" : answer.domains)")
    }
}
