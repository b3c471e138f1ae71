@testable import Controller
import Drivers
import Foundation
import Spec
import Testing

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
    ]

    @Test(arguments: rows)
    func aProbeIsDue(_ row: Row) {
        var state = F.state(versions: [1, 2])
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        var green = F.record(.green, row.state, revision: 2, version: 2, streak: row.streak)
        green.lastProbeAt = row.sinceProbe.map { F.t0.addingTimeInterval(-$0) }
        state.green = green
        var containers = [F.container(.blue, version: 1)]
        if let running = row.container { containers.append(F.container(.green, version: 2, state: running)) }
        let due = Planner.probesDue(state, containers: containers, now: F.t0).map(\.slot)
        #expect(due == (row.due ? [.green] : []))
    }
}
