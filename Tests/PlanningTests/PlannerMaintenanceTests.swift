import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// Maintenance is part of the site the planner wants: on and off are a site write and nothing
/// else — no container is touched.
struct PlannerMaintenanceTests {
    @Test func turningMaintenanceOnAndOffWritesOnlyTheSite() throws {
        var input = PlannerProxyTests.converged()
        input.state.maintenance = Maintenance(message: "Back soon.", retryAfter: 600, since: Fixture.t0, by: "ana")
        let on = Planner.plan(input)
        #expect(on.work.count == 1, "\(on.work)")
        let site = try #require(on.sites.first)
        #expect(site.maintenance == SiteMaintenance(message: "Back soon.", retryAfter: 600))
        #expect(site.routes[0].upstreams.map(\.port) == [4100], "the live slot stays routed: probes reach it")

        input.site = Fixture.observedSite(site)
        #expect(Planner.plan(input).work.isEmpty, "in maintenance and converged")
        input.state.maintenance = nil
        let off = Planner.plan(input)
        #expect(off.work.count == 1 && off.sites.first?.maintenance == nil)
    }
}
