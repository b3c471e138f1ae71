import APIModel
import ArgumentParser
import Foundation
import State

/// The project/environment a command acts on.
struct TargetOptions: ParsableArguments {
    @Argument(help: "The project.")
    var project: String

    @Option(name: .customLong("env"), help: "The environment.")
    var environment: String = "production"

    var path: String { "/v1/projects/\(project)/environments/\(environment)" }
}

/// `codeb promote PROJECT [--env E]`: approves the latest revision (for `promote: manual`).
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "promote", abstract: "Let the latest revision take traffic once healthy.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let answer = try await client.client().call(.post, target.path + "/promote", as: [String: Int].self)
        print("\(target.project)/\(target.environment): revision \(answer["promoted"] ?? 0) approved for promotion")
    }
}

/// `codeb rollback PROJECT [--env E]`: back to the warm previous version.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rollback", abstract: "Switch back to the previous version kept warm.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let revision = try await client.client().call(.post, target.path + "/rollback", as: RevisionView.self)
        print("\(target.project)/\(target.environment): revision \(revision.number) rolls back to revision \(revision.rollbackOf ?? 0) (\(revision.image))")
    }
}

/// `codeb delete PROJECT --env E`: removes the environment's containers, site and state.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an environment: containers, site file, ports.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        _ = try await client.client().call(.delete, target.path, as: [String: String].self)
        print("\(target.project)/\(target.environment): deleting")
    }
}

/// `codeb history PROJECT [--env E]`: every revision, newest first.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List an environment's revisions, newest first.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        let revisions = try await client.client().call(.get, target.path + "/history", as: [RevisionView].self)
        if output == .json { return print(try JSONOutput.encode(revisions)) }
        var rows = [["REVISION", "SOURCE", "IMAGE", "HASH", "AUTHOR", "CREATED"]]
        for revision in revisions {
            rows.append(["\(revision.number)", revision.source + (revision.rollbackOf.map { " of \($0)" } ?? ""), revision.image,
                         String(revision.hash.dropFirst(7).prefix(12)), revision.author, ISO8601DateFormatter().string(from: revision.createdAt)])
        }
        print(TextTable.render(rows))
    }
}

/// `codeb get PROJECT`: one project, as `status PROJECT` shows it.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one project's environments and slots.")
    @Argument(help: "The project.") var project: String
    @OptionGroup var client: ClientOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output: OutputFormat = .table

    func run() async throws {
        var status = StatusCommand()
        status.project = project
        status.client = client
        status.output = output
        try await status.run()
    }
}

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
            projects = [try await api.call(.get, "/v1/projects/\(project)", as: ProjectView.self)]
        } else {
            projects = try await api.call(.get, "/v1/projects", as: [ProjectView].self)
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
    }

    /// `2h5m`, `4m10s`, `12s`: a time span for tables.
    static func left(_ seconds: TimeInterval) -> String {
        guard seconds > 0 else { return "expiring" }
        let total = Int(seconds)
        return total >= 3600 ? "\(total / 3600)h\(total % 3600 / 60)m" : total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }
}
