import APIModel
import ArgumentParser
import Foundation

/// `codeb backup create PROJECT --env E --service S`: a backup now.
struct BackupCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Back up a service's data now (it is paused while its files are copied).")
    @OptionGroup var service: ServiceTarget
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let target = service.target
        let backup = try await client.client().perform {
            try await $0.createBackup(path: .init(project: target.project, environment: target.environment, service: service.service)).created.body.json
        }
        if output == .json { return print(try JSONOutput.encode(backup)) }
        print("\(target.project)/\(target.environment)/\(backup.service): backup \(backup.id), \(BackupCommand.size(backup.bytes)) in \(String(format: "%.1f", backup.seconds)) s")
    }
}
