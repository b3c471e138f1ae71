import APIModel
import ArgumentParser
import Foundation
import OpenAPIRuntime
import State

/// `codeb events [--project P] [-f] [--raw]`: what happened to the team's projects, in its
/// words (`revision 2 live on green`); `--raw` adds the planner's actions.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print the controller's recent events (and new ones with -f).")
    @OptionGroup var client: ClientOptions
    @Option(help: "Only this project.") var project: String?
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new events.") var follow = false
    @Flag(help: "Also print the planner's actions as the controller ran them (record …, write site …).") var raw = false

    func run() async throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let formatter = ISO8601DateFormatter()
        let raw = raw
        let show: (ControllerEvent) -> Void = { event in
            guard raw || event.raw != true else { return }
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
