@testable import Controller
import Drivers
import Foundation
import Spec
import Testing
import TestSupport

/// A fake host that carries out the planner's actions, driven by random applies, rollbacks,
/// promotions, container crashes, hand removals, controller restarts (plans cut short) and clock
/// jumps. Over many seeded runs the properties of DESIGN.md must hold.
@Suite struct SimulationTests {
    typealias F = Fixture

    struct World {
        var state: EnvironmentState
        var containers: [String: ContainerInfo] = [:]
        var site: SiteConfig?
        var now = Fixture.t0
        var nextID = 0
        /// Versions whose image never answers its health check.
        let unhealthy: Set<Int>
        /// An unmanaged container on the host; the runtime never lists it, so nothing may name it.
        let strangerID = "stranger"
        var touchedStranger = false

        init(unhealthy: Set<Int>) {
            state = EnvironmentState(key: Fixture.key, team: try! .init(parsing: "acme"), ports: Fixture.ports)
            self.unhealthy = unhealthy
        }

        func version(ofHash hash: String?) -> Int? {
            Fixture.hashes.firstIndex { $0 == hash }
        }

        mutating func apply(version: Int, manual: Bool) {
            state.revisions.append(Revision(number: state.generation + 1, spec: Fixture.spec(version, promote: manual ? .manual : .auto, grace: .seconds(30)), source: .apply, author: "sim", createdAt: now))
        }

        mutating func rollback() {
            guard let grace = state.slots.first(where: { $0.state == .grace }), let previous = state.revision(grace.revision) else { return }
            state.revisions.append(Revision(number: state.generation + 1, spec: previous.spec, source: .rollback, author: "sim", createdAt: now, rollbackOf: previous.number))
        }

        func input() -> PlanInput {
            var probes: [SlotName: ProbeResult] = [:]
            for record in state.slots where record.state == .deployed {
                guard let container = containers.values.first(where: { $0.labels[ManagedLabels.slot] == record.slot.rawValue }), container.state == .running,
                      let version = version(ofHash: container.labels[ManagedLabels.specHash])
                else { continue }
                probes[record.slot] = unhealthy.contains(version) ? Fixture.unhealthy() : Fixture.healthy()
            }
            let managedSite = site.map { config in
                ManagedSite(key: state.key, revision: config.revision, hash: config.hash, path: "/x", content: "", config: config, intact: true)
            }
            return PlanInput(state: state, containers: Array(containers.values), site: managedSite, probes: probes, now: now)
        }

        /// Carries out `actions`, all of them or (a crash) only the first `limit`.
        mutating func carryOut(_ actions: [Action], limit: Int? = nil) {
            for action in actions.prefix(limit ?? actions.count) {
                switch action {
                case .recordSlots(let records):
                    for record in records { state[record.slot] = record }
                case .recordStatus(let status):
                    state.status = status
                case .createContainer(_, let spec):
                    if let existing = containers.values.first(where: { $0.name == spec.name }) {
                        containers[existing.id] = nil
                    }
                    nextID += 1
                    let id = "c\(nextID)"
                    var labels = spec.labels
                    labels[ManagedLabels.managedBy] = "codeb"
                    containers[id] = ContainerInfo(id: id, name: spec.name, image: spec.image, labels: labels, state: .running)
                case .startContainer(let id, _):
                    touchedStranger = touchedStranger || id == strangerID
                    containers[id]?.state = .running
                case .stopContainer(let id, _, _, _):
                    touchedStranger = touchedStranger || id == strangerID
                    containers[id]?.state = .exited
                case .removeContainer(let id, _, _, _):
                    touchedStranger = touchedStranger || id == strangerID
                    containers[id] = nil
                case .writeSite(let config):
                    site = config
                case .removeSite:
                    site = nil
                case .confirmTraffic:
                    break
                case .forget:
                    break
                }
            }
        }

        /// Traffic only ever goes to versions that answer their health check.
        func servedVersionsAreHealthy() -> Bool {
            guard let site else { return true }
            for upstream in site.routes.flatMap(\.upstreams) {
                guard let record = state.slots.first(where: { $0.port == upstream.port }),
                      let version = version(ofHash: record.hash)
                else { return false }
                if unhealthy.contains(version) { return false }
            }
            return true
        }
    }

    static func simulate(seed: UInt64) -> (converged: Bool, failures: [String]) {
        var random = SplitMix64(seed: seed)
        let unhealthy: Set<Int> = random.next() % 3 == 0 ? [Int(random.next() % 4) + 1] : []
        var world = World(unhealthy: unhealthy)
        var failures: [String] = []
        world.apply(version: 1 + Int(random.next() % 4), manual: false)

        for _ in 0..<40 {
            switch random.next() % 12 {
            case 0, 1: world.apply(version: 1 + Int(random.next() % 4), manual: random.next() % 4 == 0)
            case 2: world.rollback()
            case 3: world.state.promotionApproved = world.state.generation
            case 4: if let id = world.containers.keys.sorted().first { world.containers[id]?.state = .exited }
            case 5: if let id = world.containers.keys.sorted().last { world.containers[id] = nil }
            case 6: world.now.addTimeInterval(Double(random.next() % 20))
            case 7: world.now.addTimeInterval(random.next() % 2 == 0 ? 7200 : -3600)
            default: world.now.addTimeInterval(0.5)
            }
            let plan = Planner.plan(world.input())
            let crash = random.next() % 8 == 0 ? Int(random.next() % UInt64(max(plan.actions.count, 1))) : nil
            world.carryOut(plan.actions, limit: crash)
            if !world.servedVersionsAreHealthy() {
                failures.append("unhealthy \(unhealthy) version served after \(plan.actions); slots \(world.state.slots.map { "\($0.slot) \($0.state) r\($0.revision ?? -1) v\(world.version(ofHash: $0.hash) ?? -1) streak \($0.healthyStreak)" }); revisions \(world.state.revisions.map { "r\($0.number)=v\(world.version(ofHash: $0.hash) ?? -1)" })")
            }
            if crash == nil, world.containers.count > 2 { failures.append("\(world.containers.count) containers") }
        }

        // Quiet: no more events; time moves as the planner asks.
        world.state.promotionApproved = world.state.generation
        var converged = false
        for _ in 0..<60 {
            let plan = Planner.plan(world.input())
            if plan.actions.isEmpty {
                converged = true
                break
            }
            world.carryOut(plan.actions)
            if !world.servedVersionsAreHealthy() { failures.append("unhealthy version served while converging") }
            world.now.addTimeInterval(plan.requeueAfter.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 1)
        }
        if converged {
            let again = Planner.plan(world.input())
            if !again.actions.isEmpty { failures.append("a converged world planned \(again.actions)") }
            if world.containers.count > 2 { failures.append("converged with \(world.containers.count) containers") }
            let desired = world.state.desired!
            let live = world.state.slots.first { $0.state == .active }
            let failed = world.state.slots.contains { $0.state == .failed && $0.hash == desired.hash }
            if live?.hash != desired.hash, !failed, !unhealthy.contains(world.version(ofHash: desired.hash) ?? -1) {
                failures.append("converged without the desired revision live: \(world.state.slots)")
            }
        }
        if world.touchedStranger { failures.append("touched an unmanaged container") }
        return (converged, failures)
    }

    @Test func propertiesHoldOverThousandsOfSeededRuns() {
        var unconverged: [UInt64] = []
        for seed in UInt64(1)...3000 {
            let (converged, failures) = Self.simulate(seed: seed)
            if !converged { unconverged.append(seed) }
            #expect(failures.isEmpty, "seed \(seed): \(failures.prefix(3))")
            if !failures.isEmpty { break }
        }
        #expect(unconverged.isEmpty, "did not converge within 60 passes: seeds \(unconverged.prefix(10))")
    }
}
