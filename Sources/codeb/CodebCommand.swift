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
            ValidateCommand.self, ApplyCommand.self, DiffCommand.self, GetCommand.self, StatusCommand.self, PromoteCommand.self, RollbackCommand.self,
            DeleteCommand.self, HistoryCommand.self, LogsCommand.self, EventsCommand.self, KeysCommand.self, TeamsCommand.self, CleanupCommand.self, ControllerCommand.self, MCPCommand.self, VersionCommand.self,
        ]
    )
}
