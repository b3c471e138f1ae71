import APIModel
import ArgumentParser
import Foundation

/// `codeb maintenance on|off PROJECT [--env E] [--message TEXT] [--retry-after 10m]`: Caddy
/// answers the environment's domains with 503, the message and `Retry-After`; its containers
/// keep running.
struct MaintenanceCommand: AsyncParsableCommand {
    enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }

    static let configuration = CommandConfiguration(
        commandName: "maintenance", abstract: "Answer an environment's domains with 503 and a message, or stop.",
        discussion: "Containers keep running and the controller's probes still reach them; with Caddy ≥ 2.8 it takes effect without a reload."
    )
    @Argument(help: "on or off.") var state: Switch
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @Option(help: "What users read (one line, up to 300 characters).") var message: String?
    @Option(name: .customLong("retry-after"), help: "What Retry-After tells clients, e.g. 30m (default 10m).") var retryAfter: String?

    func run() async throws {
        let api = try client.client()
        let path = Operations.SetMaintenance.Input.Path(project: target.project, environment: target.environment)
        switch state {
        case .on:
            let set = try await api.perform {
                try await $0.setMaintenance(path: path, body: .json(.init(message: message, retryAfter: retryAfter))).ok.body.json
            }
            print("\(target.project)/\(target.environment): in maintenance — \(set.message) (Retry-After \(set.retryAfter) s)")
        case .off:
            try await api.perform {
                _ = try await $0.clearMaintenance(path: .init(project: target.project, environment: target.environment)).noContent
            }
            print("\(target.project)/\(target.environment): out of maintenance")
        }
    }
}
