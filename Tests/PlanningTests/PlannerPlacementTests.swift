
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// Where an environment runs when several controllers share a store.
@Suite struct PlannerPlacementTests {
    typealias F = Fixture

    @Test func retiringRemovesThisHostsContainersAndSiteAndWritesNothing() {
        var state = F.state(versions: [1])
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        let input = PlanInput(state: state, containers: [F.container(.green, version: 1), F.container(.blue, version: 1)],
                              site: F.site([4100], revision: 1, version: 1), now: F.t0)
        let plan = Planner.retire(input, reason: "runs on app-2")
        let removed = plan.actions.compactMap { action -> String? in
            if case .removeContainer(_, let name, _, let reason) = action, reason == "runs on app-2" { return name }
            return nil
        }
        #expect(removed == ["shop-production-blue", "shop-production-green"])
        #expect(plan.actions.last == .removeSite)
        #expect(!plan.actions.contains { if case .recordSlots = $0 { true } else if case .recordStatus = $0 { true } else { $0 == .forget } },
                "the store belongs to the controller that holds the lease")
        #expect(plan.requeueAfter == nil)
    }

    @Test func retiringANodeWithNothingOfTheEnvironmentPlansNothing() {
        let plan = Planner.retire(PlanInput(state: F.state(versions: [1]), now: F.t0), reason: "runs on app-2")
        #expect(plan.actions.isEmpty)
    }

    @Test func containersCarryTheNodeThatCreatedThem() throws {
        let node = try NodeName(parsing: "app-1")
        let plan = Planner.plan(PlanInput(state: F.state(versions: [1]), now: F.t0, node: node))
        #expect(plan.creates.first?.labels[ManagedLabels.node] == "app-1")
        #expect(ManagedLabels.belongs([ManagedLabels.node: "app-1"], to: "app-1"))
        #expect(!ManagedLabels.belongs([ManagedLabels.node: "app-2"], to: "app-1"))
        #expect(ManagedLabels.belongs([:], to: "app-1"), "containers from before the label are this host's")
    }
}
