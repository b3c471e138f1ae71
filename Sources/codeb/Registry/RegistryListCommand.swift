import APIModel
import ArgumentParser
import Foundation
import Spec

/// `codeb registry list`.
struct RegistryListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the team's registry logins (never passwords).")
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let logins = try await client.client().perform { try await $0.registryList().ok.body.json }
        if output == .json { return print(try JSONOutput.encode(logins)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["REGISTRY", "USERNAME", "SET BY", "SET AT"]]
        for login in logins { rows.append([login.host, login.username, login.setBy, formatter.string(from: login.setAt)]) }
        print(TextTable.render(rows))
    }
}
