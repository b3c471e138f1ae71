
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import Testing

extension PlannerTests {
    /// Active blue on 4100 with a warm grace green on 4101, revision 3 wanted.
    func evicting(spare: Int?) -> PlanInput {
        var input = live(versions: [0, 1, 2])
        input.state.ports.spare = spare
        input.state.blue = F.record(.blue, .active, revision: 2, version: 1)
        input.state.green = F.record(.green, .grace, revision: 1, version: 0, graceUntil: t0.addingTimeInterval(3600))
        input.containers = [F.container(.blue, version: 1), F.container(.green, version: 0)]
        input.site = F.site([4100, 4101], revision: 2, version: 1)
        return input
    }

    @Test func aDeployOntoAWarmGraceSlotTakesTheSpareAndRetiresTheEvictedOneOffThePath() throws {
        let plan = Planner.plan(evicting(spare: 4499))
        #expect(plan.removedIDs.isEmpty, "nothing waits for the evicted container")
        let retirements = plan.actions.compactMap { action -> (String, String, Duration?)? in
            if case .retireContainer(let id, _, let retiredName, _, let drain, _) = action { return (id, retiredName, drain) } else { return nil }
        }
        #expect(retirements.map(\.0) == ["green-v0"])
        #expect(retirements.first?.1 == "shop-production-green-retired-green-v0")
        #expect(retirements.first?.2 == nil, "the grace slot served nothing: no drain")
        #expect(plan.recorded(.green)?.port == 4499)
        #expect(plan.creates.map(\.hostPort) == [4499])
        #expect(plan.creates.map(\.name) == ["shop-production-green"])
        // The site leaves the evicted port first; the name is freed before the create takes it.
        let order = plan.actions.map { action -> String in
            switch action {
            case .writeSite: "site"
            case .retireContainer: "retire"
            case .createContainer: "create"
            case .recordSlots: "record"
            default: "other"
            }
        }.filter { $0 != "other" }
        #expect(order == ["site", "retire", "record", "create"])
        #expect(plan.upstreams == [4100])
    }

    @Test func withoutASpareTheEvictedContainerGoesBeforeItsPortIsTaken() {
        let plan = Planner.plan(evicting(spare: nil))
        #expect(plan.removedIDs == ["green-v0"])
        #expect(!plan.actions.contains { if case .retireContainer = $0 { true } else { false } })
        #expect(plan.creates.map(\.hostPort) == [4101])
    }

    /// After a rotation the slots hold any two of the three ports; a deploy takes the third.
    @Test(arguments: [
        (4100, 4499, 4101),  // blue active on its home port, grace green on the spare
        (4101, 4100, 4499),  // blue on green's home port, green on blue's
        (4499, 4101, 4100),
    ])
    func aDeployTakesThePortNeitherSlotHolds(active: Int, grace: Int, expected: Int) {
        var input = evicting(spare: 4499)
        input.state.blue.port = active
        input.state.green.port = grace
        input.site = F.site([active, grace], revision: 2, version: 1)
        let plan = Planner.plan(input)
        #expect(plan.creates.map(\.hostPort) == [expected])
        #expect(plan.recorded(.green)?.port == expected)
    }

    @Test func aContainerStillRetiringIsLeftToItsRetirementAndItsPortIsNotReused() {
        var input = evicting(spare: 4499)
        // The previous deploy's evicted container is still draining on 4499.
        var retiring = F.container(.green, version: 9, name: "shop-production-green-retired-old", id: "old")
        retiring.ports = [PublishedPort(hostIP: "127.0.0.1", hostPort: 4499, containerPort: 8080)]
        input.containers.append(retiring)
        input.retiring = ["old"]
        let plan = Planner.plan(input)
        #expect(!plan.removedIDs.contains("old"), "its retirement is under way")
        #expect(plan.creates.map(\.hostPort) == [4101], "4499 is still bound: the evicted green goes first, as without a spare")
        #expect(plan.removedIDs == ["green-v0"])
        // Once it is gone from the input, an unknown container with that name is a stranger again.
        input.retiring = []
        #expect(Planner.plan(input).removedIDs.contains("old"))
    }
}
