import APIModel
import ArgumentParser
import Foundation
import Spec

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
