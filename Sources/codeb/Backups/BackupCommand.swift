import APIModel
import ArgumentParser
import Foundation

/// `codeb backup create|list|restore`: a backing service's data, kept encrypted by the controller.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up, list and restore a backing service's data (`services:` with a `volume`).",
        subcommands: [BackupCreateCommand.self, BackupListCommand.self, BackupRestoreCommand.self]
    )

    /// `3.2 MB` — what a backup's size reads as in a table.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// The service a backup command is about.
struct ServiceTarget: ParsableArguments {
    @OptionGroup var target: TargetOptions
    @Option(name: .customLong("service"), help: "The service, as named in codeb.yaml's `services:`.") var service: String
}
