import APIModel
import ArgumentParser
import OpenAPIRuntime
import Foundation
import State

/// Follows rollouts by polling the project: prints a line per step, exits 0 live (after its
/// bake), 3 failed, 4 timed out, 5 live over the route while no certificate that verifies is
/// served for a domain, 6 reverted by its bake.
struct RolloutWatcher {
    let api: APIClient
    let project: String
    let targets: [(environment: String, revision: Int)]
    let limit: Duration

    func run() async throws {
        let deadline = ContinuousClock.now + limit
        var last: [String: String] = [:]
        var done: Set<String> = []
        var certificatePending: [String] = []
        while ContinuousClock.now < deadline {
            let view = try await api.perform { try await $0.projectStatus(path: .init(project: project)).ok.body.json }
            for (name, revision) in targets where !done.contains(name) {
                guard let environment = view.environments.first(where: { $0.environment == name }) else { continue }
                let line: String
                switch RolloutPhase.of(environment, revision: revision) {
                case .live(let slot, let port):
                    line = "live: revision \(environment.generation) on \(slot) (port \(port))"
                    done.insert(name)
                    if let degraded = environment.status.condition(.degraded), degraded.status, degraded.reason == .certificatePending {
                        certificatePending.append("\(project)/\(name): live over the route, but \(degraded.message)")
                    }
                case .baking(let slot, let port, let until):
                    line = "live: revision \(environment.generation) on \(slot) (port \(port)), baking until \(until.clockText)"
                case .reverted(_, let reason):
                    printError("\(project)/\(name): \(reason)")
                    throw ExitCode(6)
                case .failed(let slot, let reason):
                    print("\(project)/\(name): rollout failed: \(reason)")
                    // The failed slot's last output usually says why.
                    if let body = try? await api.perform({ client in
                        let answer = try await client.logs(path: .init(project: project, environment: name), query: .init(tail: 20, slot: .init(rawValue: slot.rawValue)),
                                                           headers: .init(accept: [.init(contentType: .plainText)]))
                        return try await Data(collecting: answer.ok.body.plainText, upTo: 1 << 20)
                    }) {
                        print("last lines of \(project)-\(name)-\(slot):")
                        let lines = String(decoding: body, as: UTF8.self).split(separator: "\n")
                        if lines.isEmpty { print("  (the container printed nothing)") }
                        for line in lines {
                            print("  " + (line.split(separator: "|", maxSplits: 1).last.map(String.init) ?? String(line)))
                        }
                    }
                    throw ExitCode(3)
                case .waiting(let slot, _, let healthy, let needed, let waitingForPromotion):
                    let threshold = waitingForPromotion ? " (healthy; waiting for `codeb promote`)" : ""
                    let record = environment.slots.first { $0.slot == slot }
                    if let pulling = record?.pulling {
                        line = "revision \(revision) on \(slot): \(pulling)"
                    } else if let waiting = record?.waiting {
                        line = "revision \(revision) on \(slot): \(waiting)"
                    } else {
                        line = "revision \(revision) on \(slot): health \(healthy)\(needed.map { "/\($0)" } ?? "")\(threshold)"
                    }
                case .superseded:
                    line = "revision \(revision): superseded by revision \(environment.generation)"
                    done.insert(name)
                case .pending:
                    line = "revision \(revision): starting"
                }
                if last[name] != line {
                    print("\(project)/\(name): \(line)")
                    last[name] = line
                }
            }
            if done.count == targets.count {
                guard certificatePending.isEmpty else {
                    for sentence in certificatePending { printError(sentence) }
                    throw ExitCode(5)
                }
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        printError("timed out after \(limit) waiting for \(targets.filter { !done.contains($0.environment) }.map(\.environment).joined(separator: ", "))")
        throw ExitCode(4)
    }
}
