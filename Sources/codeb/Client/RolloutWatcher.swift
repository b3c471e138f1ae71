import ArgumentParser
import Controller
import Drivers
import Foundation
import NIOHTTP1

/// Follows rollouts by polling the project: prints a line per step, exits 0 live, 3 failed, 4 timed out.
struct RolloutWatcher {
    let api: APIClient
    let project: String
    let targets: [(environment: String, revision: Int)]
    let limit: Duration

    func run() async throws {
        let deadline = ContinuousClock.now + limit
        var last: [String: String] = [:]
        var done: Set<String> = []
        while ContinuousClock.now < deadline {
            let view = try await api.call(.GET, "/v1/projects/\(project)", as: ProjectView.self)
            for (name, revision) in targets where !done.contains(name) {
                guard let environment = view.environments.first(where: { $0.environment == name }) else { continue }
                let line: String
                let wantedHash = environment.latest?.hash
                let active = environment.slots.first { slot in
                    // By hash: a rollback or revert promotes a slot that kept its older revision number.
                    slot.state == SlotState.active && slot.hash == wantedHash && environment.generation >= revision
                }
                let failed = environment.slots.first { slot in slot.state == SlotState.failed && slot.hash == wantedHash && (slot.revision ?? 0) >= revision }
                let deployed = environment.slots.first { slot in slot.state == SlotState.deployed && (slot.revision ?? 0) >= revision }
                if let active {
                    line = "live: revision \(environment.generation) on \(active.slot) (port \(active.port))"
                    done.insert(name)
                } else if let failed {
                    print("\(project)/\(name): rollout failed: \(failed.failure ?? "unhealthy")")
                    // The failed slot's last output usually says why.
                    if let (status, body) = try? await api.send(.GET, "/v1/projects/\(project)/environments/\(name)/logs?tail=20&slot=\(failed.slot.rawValue)"),
                       status == 200 {
                        print("last lines of \(project)-\(name)-\(failed.slot):")
                        let lines = String(decoding: body, as: UTF8.self).split(separator: "\n")
                        if lines.isEmpty { print("  (the container printed nothing)") }
                        for line in lines {
                            print("  " + (line.split(separator: "|", maxSplits: 1).last.map(String.init) ?? String(line)))
                        }
                    }
                    throw ExitCode(3)
                } else if let deployed {
                    let waiting = environment.status.condition(Condition.Kind.progressing)?.reason == "WaitingForPromotion"
                    let threshold = waiting ? " (healthy; waiting for `codeb promote`)" : ""
                    let needed = environment.healthyThreshold.map { "/\($0)" } ?? ""
                    line = "revision \(revision) on \(deployed.slot): health \(deployed.healthyStreak)\(needed)\(threshold)"
                } else {
                    line = "revision \(revision): starting"
                }
                if last[name] != line {
                    print("\(project)/\(name): \(line)")
                    last[name] = line
                }
            }
            if done.count == targets.count { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        printError("timed out after \(limit) waiting for \(targets.filter { !done.contains($0.environment) }.map(\.environment).joined(separator: ", "))")
        throw ExitCode(4)
    }
}
