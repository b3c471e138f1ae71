import APIModel
import ArgumentParser
import Foundation

/// `codeb history PROJECT [--env E]`: every revision, newest first.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List an environment's revisions, newest first.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let revisions = try await client.client().perform { try await $0.history(path: .init(project: target.project, environment: target.environment)).ok.body.json }
        if output == .json { return print(try JSONOutput.encode(revisions)) }
        var rows = [["REVISION", "SOURCE", "IMAGE", "HASH", "AUTHOR", "CREATED", "CHANGES"]]
        for revision in revisions {
            rows.append(["\(revision.number)", revision.source + (revision.rollbackOf.map { " of \($0)" } ?? ""), revision.image,
                         String(revision.hash.dropFirst(7).prefix(12)), revision.author, ISO8601DateFormatter().string(from: revision.createdAt),
                         (revision.changes ?? []).joined(separator: "; ").ifEmpty("-")])
        }
        print(TextTable.render(rows))
        // Why a bake sent traffic back, under the table: the sentence is long.
        for revision in revisions {
            if let reverted = revision.reverted { print("revision \(revision.number): \(reverted)") }
        }
    }
}
