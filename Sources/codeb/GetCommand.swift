import APIModel
import ArgumentParser
import Foundation

/// `codeb get PROJECT`: one project, as `status PROJECT` shows it.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one project's environments and slots.")
    @Argument(help: "The project.") var project: String
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table
    @Flag(help: "Show it again every 2 seconds (like top) until interrupted.") var watch = false

    func run() async throws {
        var status = StatusCommand()
        status.project = project
        status.client = client
        status.output = output
        status.watch = watch
        try await status.run()
    }
}
