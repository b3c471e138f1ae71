import ArgumentParser
import Spec

/// The `codeb` command line: thin commands over the Spec and Controller modules.
@main
struct CodebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codeb",
        abstract: "Deploy codeb.yaml specs with blue/green slots, health-gated promotion and instant rollback.",
        version: CodebVersion.current,
        subcommands: [
            ValidateCommand.self, ApplyCommand.self, DiffCommand.self, GetCommand.self, StatusCommand.self, PromoteCommand.self, RollbackCommand.self, MaintenanceCommand.self,
            DeleteCommand.self, HistoryCommand.self, LogsCommand.self, EventsCommand.self, KeysCommand.self, TeamsCommand.self, SecretsCommand.self, BackupCommand.self, RegistryCommand.self, CleanupCommand.self, ControllerCommand.self, DoctorCommand.self, MCPCommand.self, VersionCommand.self,
        ]
    )

    /// ArgumentParser's main, except that a refusal with its own exit status (an apply naming
    /// secrets without values: 2) prints its message and exits with that status.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError where error.exitCode != 1 {
            printError("Error: \(error.description)")
            Self.exit(withError: ExitCode(error.exitCode))
        } catch {
            Self.exit(withError: error)
        }
    }
}
