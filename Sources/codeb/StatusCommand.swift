import APIModel
import ArgumentParser
import Foundation
import State

/// `codeb status [PROJECT]`: every project of the key's team, or one, as a table.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show projects, environments and slots.")
    @Argument(help: "One project; all of the team's when omitted.") var project: String?
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let api = try client.client()
        let projects: [ProjectView]
        if let project {
            projects = [try await api.perform { try await $0.projectStatus(path: .init(project: project)).ok.body.json }]
        } else {
            projects = try await api.perform { try await $0.listProjects().ok.body.json }
        }
        if output == .json { return print(try JSONOutput.encode(projects)) }
        var rows = [["PROJECT", "ENVIRONMENT", "REVISION", "READY", "SLOT", "STATE", "IMAGE", "PORT", "HEALTH", "AGE", "GRACE LEFT"]]
        let now = Date()
        for project in projects {
            for environment in project.environments {
                let ready = environment.status.condition(.ready)
                for slot in environment.slots where slot.state != .empty {
                    let grace = slot.graceUntil.map { Self.left($0.timeIntervalSince(now)) } ?? "-"
                    let age = slot.deployedAt.map { Self.left(now.timeIntervalSince($0)) } ?? "-"
                    rows.append([project.project, environment.environment, "\(slot.revision ?? 0)/\(environment.generation)",
                                 ready.map { $0.status ? "yes" : "no (\($0.reason.rawValue))" } ?? "-", slot.slot.rawValue, slot.state.rawValue,
                                 environment.images[slot.slot.rawValue] ?? "-", "\(slot.port)",
                                 slot.state == .failed ? (slot.failure ?? "failed") : (slot.lastProbe ?? "-"), age, grace])
                }
                if environment.slots.allSatisfy({ $0.state == .empty }) {
                    rows.append([project.project, environment.environment, "-/\(environment.generation)", ready.map { $0.status ? "yes" : "no (\($0.reason.rawValue))" } ?? "-", "-", "empty", "-", "-", "-", "-", "-"])
                }
            }
        }
        print(TextTable.render(rows))
        // HTTPS: what Caddy serves per live hostname (none with plain HTTP).
        var certificates = [["PROJECT", "ENVIRONMENT", "DOMAIN", "CERTIFICATE", "EXPIRES"]]
        for project in projects {
            for environment in project.environments {
                for certificate in environment.status.certificates ?? [] {
                    certificates.append([project.project, environment.environment, certificate.domain.value] + Self.describe(certificate, now: now))
                }
            }
        }
        if certificates.count > 1 { print("\n" + TextTable.render(certificates)) }
    }

    /// `R11`, `2027-03-05 (89 days)`; or what is wrong, e.g. `none that verifies: …`.
    static func describe(_ certificate: ServedCertificate, now: Date) -> [String] {
        let expires = certificate.notAfter.map { date in
            let days = certificate.daysLeft(at: now) ?? 0
            return "\(date.formatted(.iso8601.year().month().day())) (\(days < 0 ? "expired" : "\(days) day\(days == 1 ? "" : "s")"))"
        } ?? "-"
        guard certificate.verified else {
            return ["none that verifies" + (certificate.issuer.map { " (served: \($0))" } ?? "") + ": " + (certificate.problem ?? "unknown"), expires]
        }
        return [certificate.issuer ?? "verified", expires]
    }

    /// `2h5m`, `4m10s`, `12s`: a time span for tables.
    static func left(_ seconds: TimeInterval) -> String {
        guard seconds > 0 else { return "expiring" }
        let total = Int(seconds)
        return total >= 3600 ? "\(total / 3600)h\(total % 3600 / 60)m" : total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }
}
