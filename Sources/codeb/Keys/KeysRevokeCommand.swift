import APIModel
import ArgumentParser
import Foundation
import State

/// `codeb keys revoke ID`: the key stops working at once.
struct KeysRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an API key by its id (admin).")
    @Argument(help: "The key's id, as `codeb keys list` shows it.") var id: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
        _ = try await client.client().perform { try await $0.revokeKey(path: .init(id: id)).ok }
        print("revoked \(id)")
    }
}
