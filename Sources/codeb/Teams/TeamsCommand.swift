import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `codeb teams create|list|update|delete`: the teams sharing this controller (owner keys only).
struct TeamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teams",
        abstract: "Create, list, update and delete teams (owner).",
        subcommands: [TeamsCreateCommand.self, TeamsListCommand.self, TeamsUpdateCommand.self, TeamsDeleteCommand.self]
    )

    /// `--domains a.com,b.dev` as the API takes it (checked there; empty items dropped here).
    static func domains(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    /// A team name checked here, so nothing else reaches the request path.
    static func name(_ text: String) throws -> ResourceName {
        do {
            return try ResourceName(parsing: text)
        } catch {
            throw ValidationError("team: \(error.message)")
        }
    }
}
