import APIModel
import ArgumentParser
import Foundation
import Spec

/// `codeb registry login|list|logout`: the team's logins to private registries (admin to change).
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Log the team in to private registries its images come from.",
        subcommands: [RegistryLoginCommand.self, RegistryListCommand.self, RegistryLogoutCommand.self]
    )

    /// The registry host, checked before it reaches a request.
    static func host(_ host: String) throws -> String {
        do {
            return try RegistryHost(parsing: host).value
        } catch {
            throw ValidationError("registry: \(error.message)")
        }
    }
}
