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
    @Flag(help: "Show it again every 2 seconds (like top) until interrupted.") var watch = false

    func run() async throws {
        guard watch else { return try await show() }
        while true {
            // Clear the screen and go home, then the tables.
            print("\u{1B}[2J\u{1B}[H", terminator: "")
            try await show()
            try await Task.sleep(for: .seconds(2))
        }
    }

    func show() async throws {
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
        for project in projects {
            for environment in project.environments {
                guard let maintenance = environment.maintenance else { continue }
                print("\(project.project)/\(environment.environment): in maintenance since \(ISO8601DateFormatter().string(from: maintenance.since)) (by \(maintenance.by)): Caddy answers 503 “\(maintenance.message)”, Retry-After \(maintenance.retryAfter) s")
            }
        }
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
        // Users' requests per slot, when Caddy's access log is read (Caddy ≥ 2.8).
        var traffic = [["PROJECT", "ENVIRONMENT", "SLOT", "REQ/S", "5XX", "P95", "BAKE"]]
        for project in projects {
            for environment in project.environments {
                for slot in environment.slots {
                    guard let seen = slot.traffic else { continue }
                    traffic.append([project.project, environment.environment, slot.slot.rawValue] + Self.describe(seen.lastMinute, per: 60)
                                   + [Self.bake(slot, environment.bake, now: now)])
                }
            }
        }
        if traffic.count > 1 { print("\n" + TextTable.render(traffic)) }
        // Backing services: their container, whether they answer, their newest backup.
        var services = [["PROJECT", "ENVIRONMENT", "SERVICE", "IMAGE", "STATE", "VOLUME", "LAST BACKUP"]]
        for project in projects {
            for environment in project.environments {
                for service in environment.services ?? [] {
                    let state = service.problem ?? (service.restoring.map { backup in service.restoreFailure.map { "restore of \(backup): \($0)" } ?? "restoring \(backup)" } ?? service.state)
                    let backup = service.lastBackup.map { "\(Self.left(now.timeIntervalSince($0))) ago (\(service.backups) kept)" } ?? (service.volume == nil ? "-" : "none")
                    let volume = service.volume.map { name in name + (service.volumeBytes.map { " (\(BackupCommand.size($0)))" } ?? "") } ?? "-"
                    services.append([project.project, environment.environment, service.name, service.image, state, volume, backup])
                }
            }
        }
        if services.count > 1 { print("\n" + TextTable.render(services)) }
    }

    /// `12.4`, `0.8%`, `41ms` for the last minute's requests (over `per` seconds).
    static func describe(_ summary: TrafficView.Summary, per seconds: Double) -> [String] {
        let rate = Double(summary.requests) / seconds
        return [rate >= 10 ? String(Int(rate.rounded())) : String(format: "%.1f", rate), percent(summary), summary.p95Milliseconds.map { "\($0)ms" } ?? "-"]
    }

    static func percent(_ summary: TrafficView.Summary) -> String {
        guard summary.requests > 0 else { return "-" }
        return String(format: "%.1f%%", Double(summary.serverErrors) * 100 / Double(summary.requests))
    }

    /// While it bakes: `4m10s left: 120 requests, 0.8% 5xx (bar 2%), p95 41ms (bar 800ms)`.
    static func bake(_ slot: SlotView, _ bake: BakeView?, now: Date) -> String {
        guard let until = slot.bakeUntil, let since = slot.traffic?.sinceSwitch else { return "-" }
        var text = "\(left(until.timeIntervalSince(now))) left: \(since.requests) requests"
        if let bake { text += since.requests < bake.minRequests ? " (judged from \(bake.minRequests))" : "" }
        text += ", \(percent(since)) 5xx" + (bake.map { " (bar \($0.maxErrorRate))" } ?? "")
        if let p95 = since.p95Milliseconds { text += ", p95 \(p95)ms" + (bake?.maxP95.map { " (bar \($0))" } ?? "") }
        return text
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
