import Controller
import Drivers
import Foundation
import State
import TestSupport
import Testing

/// Nested in `ControllerCLITests`, whose `.serialized` keeps every test that runs a controller
/// process (and allocates the staging ports from a fresh store) one at a time.
extension ControllerCLITests {
    /// The reliability suite's "crash anywhere": a real `codeb controller` is SIGKILLed at seeded
    /// points of the executor's step list during rollouts; after each restart the host must
    /// converge with no duplicate or orphan container, no lost revision, and the right version
    /// served. `CODEB_CRASH_SEED=N` replays a run; the seed is printed.
    @Suite(.timeLimit(.minutes(6)))
    struct CrashAnywhereTests {
        /// Steps a blue/green rollout onto a host with a warm grace slot always passes through
        /// (the grace slot is retired in the background: the rollout takes the spare port).
        /// The others (start, stop, remove, remove-site, forget) belong to repair, failure and
        /// deletion; drain to a promotion with no grace period.
        static let rolloutSteps: [CrashPoint.Step] = CrashPoint.Step.allCases.filter {
            ![.beforeStart, .afterStart, .beforeStop, .afterStop, .beforeRemove, .stoppedNotRemoved, .afterRemove,
              .beforeRemoveSite, .afterRemoveSite, .beforeForget, .afterForget, .beforeDrain, .afterDrain].contains($0)
        }

        @Test func aControllerKilledAtAnyStepConvergesOnRestart() async throws {
            let seed = UInt64(ProcessInfo.processInfo.environment["CODEB_CRASH_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(UInt32.max))
            print("[crash-anywhere] seed \(seed) (CODEB_CRASH_SEED=\(seed) replays it)")
            var random = SplitMix64(seed: seed)
            try await CaddyInstance.run { caddy in
                let project = "crash" + UUID().uuidString.prefix(8).lowercased()
                let directory = NSTemporaryDirectory() + "codeb-crash-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                Cleanup.add { await ControllerCLITests.removeContainers(project) }
                let token = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let file = directory + "/codeb.yaml"
                var applies = 0
                // Every controller started, so a failing round still leaves none running.
                var started: [Process] = []
                defer { for process in started where process.isRunning { process.terminate() } }

                /// Applies round `round` through a controller started with `crashAt`, and returns it.
                func apply(_ round: Int, crashAt: String?) async throws -> Process {
                    let (controller, port) = try await ControllerCLITests.startController(
                        caddy, directory, environment: crashAt.map { ["CODEB_CRASH_AT": $0] } ?? [:])
                    started.append(controller)
                    try stagingSpec(project, image: "codeb-test/web:\(round % 2 + 1)", round: round, healthyThreshold: 2).write(toFile: file, atomically: true, encoding: .utf8)
                    var environment = ProcessInfo.processInfo.environment
                    environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
                    environment["CODEB_TOKEN"] = token
                    let applied = try await CLI.run(["apply", "-f", file], environment: environment)
                    if applied.status != 0, crashAt != nil, try await Self.killedAnswering(controller, applied.stderr) {
                        // The crash point fired in the pass the apply started before its answer was
                        // written (`before-retire` comes early in a rollout onto a warm grace slot).
                        // A pass only runs on a recorded revision, so the revision must be there.
                        let recorded = try Self.recordedRevisions(project: project, directory: directory)
                        #expect(recorded == applies + 1, "the controller died answering the apply; \(recorded) revisions recorded, \(applies) applied before")
                    } else {
                        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
                    }
                    applies += 1
                    return controller
                }
                /// Waits until round `round` serves and the host matches the state file exactly.
                func converged(_ round: Int) async throws {
                    var last: String?
                    do {
                        _ = try await eventually("round \(round) converged", within: .seconds(60)) {
                            last = try await Self.check(project: project, directory: directory, caddy: caddy, round: round, revisions: applies)
                            return last == nil ? true : nil
                        }
                    } catch {
                        throw FaultTests.CommandFailed(description: "round \(round) did not converge: \(last ?? "\(error)")")
                    }
                }
                func stop(_ controller: Process) {
                    if controller.isRunning { controller.terminate() }
                    controller.waitUntilExit()
                }

                // Two clean rollouts first, so every crashed one finds an active and a grace slot.
                for round in 0..<2 {
                    let controller = try await apply(round, crashAt: nil)
                    try await converged(round)
                    stop(controller)
                }
                let points = ProcessInfo.processInfo.environment["CODEB_CRASH_POINTS"].flatMap(Int.init) ?? 20
                for round in 2..<(2 + points) {
                    let step = Self.rolloutSteps.randomElement(using: &random)!
                    let occurrence = [.beforeRecordSlots, .afterRecordSlots, .beforeRecordStatus, .afterRecordStatus].contains(step)
                        ? Int.random(in: 1...2, using: &random) : 1
                    let point = "\(step.rawValue):\(occurrence)"
                    let crashing = try await apply(round, crashAt: point)
                    let deadline = ContinuousClock.now + .seconds(60)
                    while crashing.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                    let killed = !crashing.isRunning && crashing.terminationReason == .uncaughtSignal && crashing.terminationStatus == SIGKILL
                    stop(crashing)
                    #expect(killed, "round \(round): crash point \(point) was never reached (seed \(seed))")

                    let restarted = try await ControllerCLITests.startController(caddy, directory).0
                    started.append(restarted)
                    do {
                        try await converged(round)
                    } catch {
                        Issue.record("crash at \(point), seed \(seed): \(error)")
                    }
                    stop(restarted)
                    print("[crash-anywhere] round \(round): killed at \(point), converged after restart")
                }
                await ControllerCLITests.removeContainers(project)
            }
        }

        /// Whether `controller` was SIGKILLed at its crash point while the CLI waited for its answer.
        static func killedAnswering(_ controller: Process, _ stderr: String) async throws -> Bool {
            guard stderr.contains("cannot reach the controller") else { return false }
            let deadline = ContinuousClock.now + .seconds(10)
            while controller.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            return !controller.isRunning && controller.terminationReason == .uncaughtSignal && controller.terminationStatus == SIGKILL
        }

        static func recordedRevisions(project: String, directory: String) throws -> Int {
            let path = "\(directory)/environments/\(project)/staging.json"
            guard let data = FileManager.default.contents(atPath: path) else { return 0 }
            return try JSONDecoder().decode(EnvironmentState.self, from: data).revisions.count
        }

        /// nil when the host is exactly what the state file says and round `round` is served;
        /// otherwise what is wrong.
        static func check(project: String, directory: String, caddy: CaddyInstance, round: Int, revisions: Int) async throws -> String? {
            let path = "\(directory)/environments/\(project)/staging.json"
            guard let data = FileManager.default.contents(atPath: path) else { return "no state file" }
            let state = try JSONDecoder().decode(EnvironmentState.self, from: data)
            if state.revisions.count != revisions { return "\(state.revisions.count) revisions recorded, \(revisions) applied" }
            if state.revisions.map(\.number) != Array(1...revisions) { return "revision numbers \(state.revisions.map(\.number))" }
            let served = try? await caddy.get("\(project).test").body
            if served != "codeb-test web v\(round % 2 + 1)\n" { return "serves \(served ?? "nothing")" }
            let active = [state.blue, state.green].filter { $0.state == .active }
            guard active.count == 1, let live = active.first, live.revision == revisions else {
                return "active slots \(active.map { "\($0.slot) r\($0.revision ?? 0)" })"
            }
            let other = state[live.slot.other]
            // After the first rollout the other slot is empty; after any later one, warm grace.
            let expected: SlotState = revisions == 1 ? .empty : .grace
            if other.state != expected { return "the other slot is \(other.state), not \(expected)" }
            let containers = try await DockerRuntime().listManaged().filter { $0.labels[ManagedLabels.project] == project }
            for slot in SlotName.allCases where state[slot].state != .empty {
                let record = state[slot]
                let found = containers.filter { $0.labels[ManagedLabels.slot] == slot.rawValue }
                if found.count != 1 { return "\(found.count) containers for the \(slot) slot (\(found.map(\.name)))" }
                if found[0].labels[ManagedLabels.specHash] != record.hash { return "the \(slot) container runs another template than the state's" }
                if found[0].state != .running { return "the \(slot) container is \(found[0].state)" }
                // Deploys rotate the slots over the environment's three ports: the record says which.
                if found[0].ports.map(\.hostPort) != [record.port] { return "the \(slot) container publishes \(found[0].ports.map(\.hostPort)), its record says \(record.port)" }
            }
            if containers.count != (revisions == 1 ? 1 : 2) { return "\(containers.count) containers: \(containers.map(\.name))" }
            return nil
        }
    }
}
