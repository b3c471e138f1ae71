
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// When a deployed slot's health probe is due: one rule (`Planner.probesDue`) that observation
/// follows and the gate counts on. Interval 1 s, threshold 2.
@Suite struct PlannerProbeTests {
    typealias F = Fixture
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var state: SlotState = .deployed
        var streak = 0
        /// Seconds since the last probe; nil: never probed.
        var sinceProbe: Double?
        var container: ContainerInfo.State? = .running
        /// Probes so far that got no answer (the app not listening yet); nil: answered before.
        var unanswered: Int?
        var due: Bool
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "never probed", due: true),
        Row(name: "probed an interval ago", sinceProbe: 1.0, due: true),
        Row(name: "probed 0.95 of an interval ago (a timer's jitter)", sinceProbe: 0.95, due: true),
        Row(name: "probed half an interval ago: another trigger must not speed the gate", sinceProbe: 0.5, due: false),
        Row(name: "healthy enough already", streak: 2, due: false),
        Row(name: "container not running yet", container: .created, due: false),
        Row(name: "no container", container: nil, due: false),
        Row(name: "active slots are not gated", state: .active, due: false),
        Row(name: "failed slots are not probed", state: .failed, due: false),
        Row(name: "not listening at the first probe 10 ms ago: again now", sinceProbe: 0.010, unanswered: 1, due: true),
        Row(name: "not listening three times, 30 ms ago: waits for 40 ms", sinceProbe: 0.030, unanswered: 3, due: false),
        Row(name: "not listening three times, 40 ms ago: again", sinceProbe: 0.040, unanswered: 3, due: true),
        Row(name: "not listening ten times: the backoff stops at the interval", sinceProbe: 0.5, unanswered: 10, due: false),
        Row(name: "answered once (unhealthy): the interval again", sinceProbe: 0.1, unanswered: nil, due: false),
    ]

    @Test(arguments: rows)
    func aProbeIsDue(_ row: Row) {
        var state = F.state(versions: [1, 2])
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        var green = F.record(.green, row.state, revision: 2, version: 2, streak: row.streak)
        green.lastProbeAt = row.sinceProbe.map { F.t0.addingTimeInterval(-$0) }
        green.unansweredProbes = row.unanswered
        state.green = green
        var containers = [F.container(.blue, version: 1)]
        if let running = row.container { containers.append(F.container(.green, version: 2, state: running)) }
        let due = Planner.probesDue(state, containers: containers, now: F.t0).map(\.slot)
        #expect(due == (row.due ? [.green] : []))
    }

    @Test func aNewSlotIsProbedRightAfterItStartsThenBacksOffUntilItAnswers() {
        var state = F.state(versions: [1, 2])
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        let deploy = Planner.plan(PlanInput(state: state, containers: [F.container(.blue, version: 1)], now: F.t0))
        #expect(deploy.requeueAfter == .milliseconds(10), "the first probe right after the start")
        var green = F.record(.green, .deployed, revision: 2, version: 2)
        green.unansweredProbes = 0
        green.deployedAt = F.t0
        state.green = green
        var now = F.t0
        var waits: [Duration] = []
        for _ in 0..<4 {
            now = now.addingTimeInterval(0.2)
            let input = PlanInput(
                state: state, containers: [F.container(.blue, version: 1), F.container(.green, version: 2)],
                probes: [.green: ProbeResult(healthy: false, status: nil, detail: "connection refused")], now: now
            )
            let plan = Planner.plan(input)
            waits.append(plan.requeueAfter ?? .zero)
            for case .recordSlots(let records) in plan.actions { for record in records { state[record.slot] = record } }
        }
        #expect(waits == [.milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(80)], "\(waits)")
        #expect(state.green.unansweredProbes == 4)
        let answered = Planner.plan(PlanInput(
            state: state, containers: [F.container(.blue, version: 1), F.container(.green, version: 2)],
            probes: [.green: ProbeResult(healthy: false, status: 503, detail: "HTTP 503")], now: now.addingTimeInterval(0.2)
        ))
        var after = state.green
        for case .recordSlots(let records) in answered.actions { for record in records where record.slot == .green { after = record } }
        #expect(after.unansweredProbes == nil, "once it answers, the interval again")
        #expect(answered.requeueAfter == .seconds(1))
    }
}
