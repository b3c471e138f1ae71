import APIModel
import ArgumentParser
import Controller
import Drivers
import Foundation
import Spec
import State

/// `codeb keys create --role R [--name N] [--team T]`: through the API with the caller's key (an
/// admin creates keys of its team up to admin; an owner any), or — with `--state-dir` or
/// `--database-url`, or when no key is configured — straight into the controller's state on its
/// host, to bootstrap the first key. Prints the key once.
struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API key and print it (it is shown only this once).",
        discussion: """
            With a key configured (--token, CODEB_TOKEN or the config file) the controller creates it
            (admin; the key's own team unless an owner names --team). On the controller host, with
            --state-dir or --database-url or no key configured, it goes straight into the state: the
            key's SHA-256 into keys.json, or into the database.
            """
    )

    @Option(help: "The team the key belongs to (local: required; remote: default the caller's).")
    var team: String?

    @Option(help: "viewer, member, admin or owner.")
    var role: Role = .member

    @Option(help: "A name to recognise the key by in listings and the audit log.")
    var name: String = "bootstrap"

    @Option(name: .customLong("state-dir"), help: "The controller's state directory (local). [default: \(FileStore.defaultDirectory)]")
    var stateDirectory: String?

    @Option(name: .customLong("database-url"), help: "The controllers' PostgreSQL database (postgres://…), when they keep state there (local). Also CODEB_DATABASE_URL.")
    var databaseURL: String?

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let url = databaseURL ?? ProcessInfo.processInfo.environment["CODEB_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if stateDirectory == nil, url == nil, let api = try? client.client() {
            let (role, name, team) = (self.role.rawValue, self.name, self.team)
            let created = try await api.perform { client in
                try await client.createKey(body: .json(.init(role: .init(rawValue: role)!, name: name, team: team))).created.body.json
            }
            return print(created.key ?? "")
        }
        guard let team else { throw ValidationError("--team: which team the bootstrap key belongs to") }
        let teamName: ResourceName
        do {
            teamName = try ResourceName(parsing: team)
        } catch {
            throw ValidationError("--team: \(error.message)")
        }
        let (keys, postgres) = try StateBackend.keys(databaseURL: url, stateDirectory: stateDirectory ?? FileStore.defaultDirectory)
        let (role, name) = (self.role, self.name)
        let text = try await StateBackend.withRunning(postgres) {
            let authenticator = Authenticator(keys: keys)
            let user = ProcessInfo.processInfo.environment["USER"] ?? "root"
            let (key, record) = try await authenticator.createKey(team: teamName, role: role, name: name, createdBy: "local:\(user)")
            try await keys.audit(AuditEntry(time: Date(), keyID: "local:\(user)", team: teamName.value, action: "keys.create", target: record.id, result: "ok", detail: "role \(role), name \(name)"))
            return key.text
        }
        print(text)
    }
}

extension Role: ExpressibleByArgument {}
