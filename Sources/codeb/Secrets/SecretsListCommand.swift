import APIModel
import ArgumentParser
import Foundation

/// `codeb secrets list PROJECT [--env E]`: names, where, version, who and when — never values.
struct SecretsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a project's secrets: names, version, who and when (never values).")
    @Argument(help: "The project.") var project: String
    @Option(name: .customLong("env"), help: "Only those set for this environment. [default: every scope]") var environment: String?
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let (project, environment) = (try CheckedNames.project(project), try CheckedNames.environment(environment))
        let secrets = try await client.client().perform { try await $0.secretsList(path: .init(project: project), query: .init(environment: environment)).ok.body.json }
        if output == .json { return print(try JSONOutput.encode(secrets)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["NAME", "SCOPE", "VERSION", "SET BY", "SET AT"]]
        for secret in secrets {
            rows.append([secret.name, secret.environment ?? "(all)", String(secret.version), secret.setBy, formatter.string(from: secret.setAt)])
        }
        print(TextTable.render(rows))
    }
}

/// `codeb secrets history PROJECT [--env E]`: every version, newest first.
struct SecretsHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Every change of a project's secrets, newest first (names only).")
    @Argument(help: "The project.") var project: String
    @Option(name: .customLong("env"), help: "Only changes for this environment.") var environment: String?
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let (project, environment) = (try CheckedNames.project(project), try CheckedNames.environment(environment))
        let versions = try await client.client().perform { try await $0.secretsHistory(path: .init(project: project), query: .init(environment: environment)).ok.body.json }
        if output == .json { return print(try JSONOutput.encode(versions)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["VERSION", "SCOPE", "SET", "UNSET", "BY", "AT"]]
        for version in versions {
            rows.append([String(version.version), version.environment ?? "(all)", version.set.joined(separator: ",").ifEmpty("-"),
                         version.unset.joined(separator: ",").ifEmpty("-"), version.author, formatter.string(from: version.at)])
        }
        print(TextTable.render(rows))
    }
}

/// `codeb secrets rotate-key` (owner): a fresh controller key; every value sealed again with it.
struct SecretsRotateKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rotate-key", abstract: "Seal every secret and registry login again under a fresh key (owner).")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let result = try await client.client().perform { client in
            switch try await client.rotateSecretKey() {
            case .ok(let answer): try answer.body.json
            case .accepted(let answer): try answer.body.json
            case let other: throw CLIError("the controller answered rotate-key with \(other)")
            }
        }
        if let lacking = result.lacking, !lacking.isEmpty {
            // Nothing is sealed with a key a running node cannot read.
            print("key \(result.keyID) is staged; node\(lacking.count == 1 ? "" : "s") \(lacking.joined(separator: ", ")) lack\(lacking.count == 1 ? "s" : "") it: add its line from this host's key file to theirs (they pick it up within a minute), then run rotate-key again")
            return
        }
        print("the secret key is now \(result.keyID); \(result.resealed) value\(result.resealed == 1 ? "" : "s") sealed again")
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
