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

/// `codeb events [--project P] [-f]`: what the controller did, for the team's projects.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print the controller's recent events (and new ones with -f).")
    @OptionGroup var client: ClientOptions
    @Option(help: "Only this project.") var project: String?
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new events.") var follow = false

    func run() async throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let formatter = ISO8601DateFormatter()
        let show: (ControllerEvent) -> Void = { event in
            print("\(formatter.string(from: event.time))  \(event.key)  \(event.level == .warning ? "WARNING " : "")\(event.message)")
        }
        let api = try client.client()
        guard follow else {
            let events = try await api.perform { try await $0.recentEvents(query: .init(project: project, follow: ._0), headers: .init(accept: [.init(contentType: .json)])).ok.body.json }
            for event in events { show(event) }
            return
        }
        var pending = ""
        let stream = try await api.perform(following: true) {
            try await $0.recentEvents(query: .init(project: project, follow: ._1), headers: .init(accept: [.init(contentType: .textEventStream)])).ok.body.textEventStream
        }
        try await stream.forEachChunk { data in
            pending += String(decoding: data, as: UTF8.self)
            while let end = pending.range(of: "\n\n") {
                let message = pending[..<end.lowerBound]
                pending = String(pending[end.upperBound...])
                if message.hasPrefix("data: "), let event = try? decoder.decode(ControllerEvent.self, from: Data(message.dropFirst(6).utf8)) {
                    show(event)
                }
            }
        }
    }
}
