import APIModel
import ArgumentParser
import Foundation

/// `codeb backup list PROJECT --env E --service S`: newest first.
struct BackupListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a service's backups, newest first.")
    @OptionGroup var service: ServiceTarget
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let target = service.target
        let backups = try await client.client().perform {
            try await $0.listBackups(path: .init(project: target.project, environment: target.environment, service: service.service)).ok.body.json
        }
        if output == .json { return print(try JSONOutput.encode(backups)) }
        let formatter = ISO8601DateFormatter()
        var rows = [["ID", "TAKEN", "SIZE", "PAUSED", "IMAGE", "BY"]]
        for backup in backups {
            rows.append([backup.id, formatter.string(from: backup.createdAt), BackupCommand.size(backup.bytes), String(format: "%.1fs", backup.seconds), backup.image, backup.trigger])
        }
        print(TextTable.render(rows))
    }
}
