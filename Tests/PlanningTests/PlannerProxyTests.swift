
import Drivers
import Foundation
@testable import Planning
import Testing
import TestSupport

/// Caddy being down is reported on every environment and changes nothing else: no container
/// is touched and the site file is left as it is (Caddy loads it when it comes back).
struct PlannerProxyTests {
    static func converged() -> PlanInput {
        var state = Fixture.state(versions: [1])
        state.blue = Fixture.record(.blue, .active, revision: 1, version: 1, streak: 2)
        var input = PlanInput(state: state, containers: [Fixture.container(.blue, version: 1)],
                              site: Fixture.site([4100], revision: 1, version: 1), now: Fixture.t0)
        // Feed back the status a first pass writes, so the input is converged.
        for case .recordStatus(let status) in Planner.plan(input).actions { input.state.status = status }
        return input
    }

    @Test func aConvergedEnvironmentPlansNothingWhileCaddyAnswers() {
        #expect(Planner.plan(Self.converged()).actions.isEmpty)
    }

    @Test func caddyDownIsDegradedWithItsReasonAndNothingElse() throws {
        var input = Self.converged()
        input.proxyProblem = "cannot reach Caddy's admin API at 127.0.0.1:2019 (connection refused)"
        let actions = Planner.plan(input).actions
        #expect(actions.count == 1)
        guard case .recordStatus(let status) = try #require(actions.first) else {
            Issue.record("expected only a status, got \(actions)")
            return
        }
        let degraded = try #require(status.condition(.degraded))
        #expect(degraded.status && degraded.reason == .proxyUnavailable)
        #expect(degraded.message.contains("127.0.0.1:2019"))
        #expect(status.condition(.ready)?.reason == .live, "Ready still describes the containers")

        // Caddy back: the condition clears, and again nothing else is planned.
        input.state.status = status
        input.proxyProblem = nil
        let after = Planner.plan(input).actions
        #expect(after.count == 1)
        if case .recordStatus(let cleared) = after.first { #expect(cleared.condition(.degraded)?.status == false) }
    }
}
