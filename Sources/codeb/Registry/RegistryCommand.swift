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

/// `codeb registry login HOST --username U --password-stdin`.
struct RegistryLoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Store the team's login to HOST (the password is read from standard input).")
    @Argument(help: "The registry, e.g. registry.example.com or 127.0.0.1:5000.") var host: String
    @Option(help: "The user name.") var username: String
    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (the only way: flags show up in process lists).")
    var passwordStdin = false
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let host = try RegistryCommand.host(self.host)
        guard passwordStdin else { throw ValidationError("pass the password on standard input with --password-stdin, e.g. `echo \"$TOKEN\" | codeb registry login \(host) --username \(username) --password-stdin`") }
        var password = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        if password.hasSuffix("\n") { password.removeLast() }
        if password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else { throw ValidationError("standard input held no password") }
        let view = try await client.client().perform {
            try await $0.registryLogin(path: .init(host: host), body: .json(RegistryLoginRequest(username: username, password: password))).ok.body.json
        }
        print("logged in to \(view.host) as \(view.username); pulls of \(view.host)/… images use this login")
    }
}

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
