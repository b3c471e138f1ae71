import APIModel
import ArgumentParser
import Foundation
import OpenAPIRuntime
import State

/// `codeb logs PROJECT [--env E] [--slot S] [--tail N] [-f]`: a slot's container output.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a slot's container output (default: the active slot).")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @Option(help: "blue or green; default the active slot, else the one rolling out, else a failed one.") var slot: String?
    @Option(help: "How many past lines.") var tail = 100
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new output.") var follow = false

    func run() async throws {
        let chosen = try slot.map { name in
            guard let slot = Operations.Logs.Input.Query.SlotPayload(rawValue: name) else { throw ValidationError("--slot is blue or green") }
            return slot
        }
        let api = try client.client()
        let body = try await api.perform(following: follow) { client in
            try await client.logs(path: .init(project: target.project, environment: target.environment), query: .init(tail: tail, slot: chosen, follow: follow ? ._1 : nil),
                                  headers: .init(accept: [.init(contentType: .plainText)])).ok.body.plainText
        }
        try await body.forEachChunk { data in
            // Lines arrive as `stdout|text`; stderr lines go to stderr.
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                if line.hasPrefix("stderr|") { printError(String(line.dropFirst(7))) } else { print(line.hasPrefix("stdout|") ? String(line.dropFirst(7)) : String(line)) }
            }
        }
    }
}
