import ArgumentParser
import Controller
import Drivers
import Foundation
import Spec

/// `codeb keys create --team T --role R --state-dir DIR`: bootstraps a key on the controller
/// host, straight into the state directory (no running API needed). Prints the key once.
struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API key and print it (it is shown only this once).",
        discussion: "Run on the controller host; the key's SHA-256 goes into the state directory's keys.json, or into the database with --database-url."
    )

    @Option(help: "The team the key belongs to.")
    var team: String

    @Option(help: "viewer, member, admin or owner.")
    var role: Role = .member

    @Option(help: "A name to recognise the key by in listings and the audit log.")
    var name: String = "bootstrap"

    @Option(name: .customLong("state-dir"), help: "The controller's state directory.")
    var stateDirectory: String = FileStore.defaultDirectory

    @Option(name: .customLong("database-url"), help: "The controllers' PostgreSQL database (postgres://…), when they keep state there. Also CODEB_DATABASE_URL.")
    var databaseURL: String?

    func run() async throws {
        let teamName: ResourceName
        do {
            teamName = try ResourceName(parsing: team)
        } catch {
            throw ValidationError("--team: \(error.message)")
        }
        let url = databaseURL ?? ProcessInfo.processInfo.environment["CODEB_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let (keys, postgres) = try StateBackend.keys(databaseURL: url, stateDirectory: stateDirectory)
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
