
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import Testing

extension PlannerTests {
    @Test func newContainersPublishOnTheControllersAddressAndTheSiteRoutesThere() {
        var input = evicting(spare: 4499)
        input.publishAddress = "127.0.0.2"
        let plan = Planner.plan(input)
        #expect(plan.creates.map(\.hostIP) == ["127.0.0.2"])
        // The new slot is not live yet; the active one's container publishes nowhere known
        // (the fixture lists no ports), so it is reached at the controller's address too.
        #expect(plan.sites.flatMap(\.routes).flatMap(\.upstreams).allSatisfy { $0.host == "127.0.0.2" })
    }

    @Test func aContainerStartedBeforeThePublishAddressChangedIsStillRoutedWhereItListens() {
        var input = live(versions: [1])
        input.publishAddress = "127.0.0.2"
        input.containers[0].ports = [PublishedPort(hostIP: "127.0.0.1", hostPort: 4100, containerPort: 8080)]
        let plan = Planner.plan(input)
        #expect(plan.creates.isEmpty)
        #expect(plan.sites.isEmpty, "the site already routes to 127.0.0.1:4100, where the container listens: \(plan.sites)")
    }
}
