import APIModel
import ArgumentParser
import Foundation

/// `codeb backup restore PROJECT --env E --service S [--id ID]`: the latest without `--id`.
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Replace a service's data with a backup's (the latest without --id); irreversible.")
    @OptionGroup var service: ServiceTarget
    @OptionGroup var client: ClientOptions
    @Option(name: .customLong("id"), help: "The backup (`codeb backup list`). [default: the latest]") var id: String?

    func run() async throws {
        let target = service.target
        let restoring = try await client.client().perform {
            try await $0.restoreBackup(
                path: .init(project: target.project, environment: target.environment, service: service.service), body: .json(.init(backup: id))
            ).accepted.body.json.restoring
        }
        print("\(target.project)/\(target.environment)/\(service.service): restoring backup \(restoring); `codeb status \(target.project)` says when it answers")
    }
}
