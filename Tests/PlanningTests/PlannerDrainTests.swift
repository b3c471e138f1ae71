
import Drivers
import Foundation
@testable import Planning
import Spec
import Testing
import TestSupport

/// Retiring a slot the proxy routes to: the site leaves it first; the slot that was serving
/// gets its stop timeout for requests in flight (a drain) before it is stopped and removed.
@Suite struct PlannerDrainTests {
    typealias F = Fixture
    let t0 = Fixture.t0

    func kinds(_ plan: Plan) -> [String] {
        plan.work.map { action in
            switch action {
            case .writeSite: "site"
            case .confirmTraffic: "confirm"
            case .recordSlots: "record"
            case .drain(let name, let wait): "drain \(name) \(wait)"
            case .removeContainer(_, let name, _, _): "remove \(name)"
            case .createContainer(_, let spec): "create \(spec.name)"
            default: "\(action)"
            }
        }
    }

    @Test func withNoGraceTheServingSlotDrainsAfterTrafficMoves() {
        // Revision 2 healthy on green, grace 0: promoting it retires blue, which serves.
        var state = F.state(versions: [1, 2], grace: .seconds(0))
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        state.green = F.record(.green, .deployed, revision: 2, version: 2, streak: 1)
        let input = PlanInput(
            state: state, containers: [F.container(.blue, version: 1), F.container(.green, version: 2)],
            site: F.site([4100], revision: 1, version: 1), probes: [.green: F.healthy()], now: t0
        )
        let plan = Planner.plan(input)
        #expect(kinds(plan) == ["site", "confirm", "record", "drain shop-production-blue 5.0 seconds", "remove shop-production-blue"])
        #expect(plan.upstreams == [4101])
    }

    @Test func anExpiredGraceSlotLeavesTheSiteBeforeItIsRemovedWithoutADrain() {
        var state = F.state(versions: [1, 2])
        state.blue = F.record(.blue, .grace, revision: 1, version: 1, graceUntil: t0.addingTimeInterval(-1))
        state.green = F.record(.green, .active, revision: 2, version: 2)
        let input = PlanInput(
            state: state, containers: [F.container(.blue, version: 1), F.container(.green, version: 2)],
            site: F.site([4101, 4100], revision: 2, version: 2), now: t0
        )
        let plan = Planner.plan(input)
        #expect(kinds(plan) == ["site", "record", "remove shop-production-blue"])
        #expect(plan.upstreams == [4101])
    }

    @Test func aDeployEvictingTheGraceSlotTakesItOutOfTheSiteBeforeRemovingAndReplacingIt() {
        var state = F.state(versions: [1, 2, 3])
        state.blue = F.record(.blue, .grace, revision: 1, version: 1, graceUntil: t0.addingTimeInterval(3600))
        state.green = F.record(.green, .active, revision: 2, version: 2)
        let input = PlanInput(
            state: state, containers: [F.container(.blue, version: 1), F.container(.green, version: 2)],
            site: F.site([4101, 4100], revision: 2, version: 2), now: t0
        )
        let plan = Planner.plan(input)
        #expect(kinds(plan) == ["site", "remove shop-production-blue", "record", "create shop-production-blue"])
    }

    @Test func aSlotTheSiteNoLongerNamesIsRemovedAtOnce() {
        // An earlier pass already wrote the site without blue (and was cut short).
        var state = F.state(versions: [1, 2])
        state.blue = F.record(.blue, .grace, revision: 1, version: 1, graceUntil: t0.addingTimeInterval(-1))
        state.green = F.record(.green, .active, revision: 2, version: 2)
        let input = PlanInput(
            state: state, containers: [F.container(.blue, version: 1), F.container(.green, version: 2)],
            site: F.site([4101], revision: 2, version: 2), now: t0
        )
        #expect(kinds(Planner.plan(input)) == ["remove shop-production-blue", "record"])
    }
}
