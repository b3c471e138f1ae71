import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// A live slot with `bake:` is watched until the bake ends: over a bar — its users' 5xx share or
/// p95 since the switch, once `min-requests` came; its health probe; its container — traffic goes
/// back to the warm grace slot in one switch, the slot is kept stopped for its logs, and the
/// revision is not promoted again by itself.
struct PlannerBakeTests {
    static let policy = BakePolicy(duration: .minutes(5), maxErrorRateBasisPoints: 200, maxP95: SpecDuration(milliseconds: 800), minRequests: 50)

    static func summary(_ requests: Int, errors: Int = 0, refused: Int = 0, p95: Duration? = .milliseconds(20)) -> TrafficWindow.Summary {
        TrafficWindow.Summary(requests: requests, serverErrors: errors, refused: refused, p50: .milliseconds(5), p95: requests == 0 ? nil : p95)
    }

    @Test(arguments: [
        (summary(49, errors: 49), nil),
        (summary(60, errors: 20), "5xx 33% of 60 requests, bar 2%"),
        (summary(100, errors: 2), nil),
        (summary(100, errors: 3), "5xx 3% of 100 requests, bar 2%"),
        (summary(1000, errors: 25, refused: 25), "5xx 2.5% of 1000 requests (25 refused), bar 2%"),
        (summary(60, p95: .milliseconds(900)), "p95 900ms over 60 requests, bar 800ms"),
        (summary(60, p95: .milliseconds(800)), nil),
    ] as [(TrafficWindow.Summary, String?)])
    func theVerdictNamesTheBarAndTheNumbers(summary: TrafficWindow.Summary, expected: String?) {
        #expect(Planner.bakeVerdict(summary, Self.policy) == expected)
    }

    static func baking(now: Date = Fixture.t0.addingTimeInterval(2), grace: Bool = true) -> PlanInput {
        Fixture.baking(policy, now: now, grace: grace)
    }

    @Test func aPromotionWithABakeRecordsWhenItEnds() throws {
        var state = Fixture.state(versions: [1, 2])
        state.revisions[1].spec.bake = Self.policy
        state.blue = Fixture.record(.blue, .active, revision: 1, version: 1, streak: 2)
        state.green = Fixture.record(.green, .deployed, revision: 2, version: 2, streak: 1)
        let input = PlanInput(state: state, containers: [Fixture.container(.blue, version: 1), Fixture.container(.green, version: 2)],
                              site: Fixture.site([4100], revision: 1, version: 1), probes: [.green: Fixture.healthy()], now: Fixture.t0)
        let plan = Planner.plan(input)
        let green = try #require(plan.recorded(.green))
        #expect(green.state == .active)
        #expect(green.bakeUntil == Fixture.t0.addingTimeInterval(300))
        #expect(plan.recorded(.blue)?.bakeUntil == nil, "the warm previous slot is not baked")
    }

    @Test func aManualPromotionAskedToBakeIsBakedByThatPolicy() throws {
        var state = Fixture.state(versions: [1, 2], promote: .manual)
        state.blue = Fixture.record(.blue, .active, revision: 1, version: 1, streak: 2)
        state.green = Fixture.record(.green, .deployed, revision: 2, version: 2, streak: 2)
        state.promotionApproved = 2
        state.promotionBake = BakePolicy.onDemand
        let input = PlanInput(state: state, containers: [Fixture.container(.blue, version: 1), Fixture.container(.green, version: 2)],
                              site: Fixture.site([4100], revision: 1, version: 1), now: Fixture.t0)
        let green = try #require(Planner.plan(input).recorded(.green))
        #expect(green.state == .active && green.bakeUntil == Fixture.t0.addingTimeInterval(300))
        state.green = green
        state.blue.state = .grace
        #expect(Planner.baking(state)?.policy == BakePolicy.onDemand)
        state.promotionBake = nil
        #expect(Planner.baking(state) == nil, "without a spec bake or an asked one nothing is judged")
    }

    @Test func underTheBarsTheBakeGoesOnAndIsLookedAtAgain() {
        var input = Self.baking()
        input.traffic = [.green: Self.summary(200, errors: 1)]
        let plan = Planner.plan(input)
        #expect(plan.actions.isEmpty, "\(plan.actions)")
        #expect(plan.requeueAfter == .seconds(1), "its health probe is due every interval")
    }

    @Test func tooFewRequestsAreNotJudged() {
        var input = Self.baking()
        input.traffic = [.green: Self.summary(49, errors: 49)]
        #expect(Planner.plan(input).actions.isEmpty)
    }

    @Test func overTheErrorBarTrafficGoesBackToTheGraceSlotInOneSwitch() throws {
        var input = Self.baking()
        input.traffic = [.green: Self.summary(60, errors: 20)]
        let plan = Planner.plan(input)
        // The site names blue first, then it is confirmed, then recorded; green is stopped after.
        let site = try #require(plan.sites.first)
        #expect(site.routes[0].upstreams.map(\.port) == [4100])
        let write = try #require(plan.index { if case .writeSite = $0 { true } else { false } })
        let confirm = try #require(plan.index { if case .confirmTraffic = $0 { true } else { false } })
        let record = try #require(plan.index { if case .recordSlots = $0 { true } else { false } })
        let stop = try #require(plan.index { if case .stopContainer(_, "shop-production-green", _, _) = $0 { true } else { false } })
        #expect(write < confirm && confirm < record && record < stop, "\(plan.actions)")
        #expect(!plan.actions.contains { if case .removeContainer = $0 { true } else { false } }, "kept for its logs")
        let green = try #require(plan.recorded(.green))
        #expect(green.state == .failed && green.failureReason == .reverted && green.bakeUntil == nil)
        #expect(green.failure == "reverted to revision 1: 5xx 33% of 60 requests, bar 2%")
        let blue = try #require(plan.recorded(.blue))
        #expect(blue.state == .active && blue.graceUntil == nil && blue.promotedAt == input.now)
        var status: EnvironmentStatus?
        for case .recordStatus(let recorded) in plan.actions { status = recorded }
        #expect(status?.condition(.degraded)?.reason == .reverted)
        #expect(status?.condition(.ready)?.message == "revision 1 serves: revision 2 was reverted")

        // The next pass, from what was recorded: revision 2 is not promoted or deployed again.
        var after = input
        after.state.green = green
        after.state.blue = blue
        after.state.status = status ?? after.state.status
        after.traffic = [:]
        after.site = Fixture.site([4100], revision: 1, version: 1)
        after.containers = [Fixture.container(.blue, version: 1), Fixture.container(.green, version: 2, state: .exited)]
        let next = Planner.plan(after)
        #expect(next.actions.isEmpty, "\(next.actions)")
    }

    @Test func overTheLatencyBarItIsRevertedToo() throws {
        var input = Self.baking()
        input.traffic = [.green: Self.summary(80, p95: .milliseconds(1200))]
        let green = try #require(Planner.plan(input).recorded(.green))
        #expect(green.failure == "reverted to revision 1: p95 1200ms over 80 requests, bar 800ms")
    }

    @Test func failingHealthProbesInARowRevert() throws {
        var input = Self.baking()
        input.probes = [.green: Fixture.unhealthy()]
        let first = Planner.plan(input)
        let once = try #require(first.recorded(.green))
        #expect(once.state == .active && once.unhealthyAnswers == 1, "one failing probe is not enough")
        input.state.green = once
        let second = Planner.plan(input)
        let green = try #require(second.recorded(.green))
        #expect(green.state == .failed)
        #expect(green.failure == "reverted to revision 1: health check failed 2 times in a row: GET /health answered HTTP 503")
    }

    @Test func aStoppedContainerReverts() throws {
        var input = Self.baking()
        input.containers[0] = Fixture.container(.green, version: 2, state: .exited)
        input.containers[0].exitCode = 137
        let green = try #require(Planner.plan(input).recorded(.green))
        #expect(green.failure == "reverted to revision 1: its container stopped (exit code 137)")
    }

    @Test func withNothingWarmToGoBackToItKeepsServingAndSaysSo() throws {
        var input = Self.baking(grace: false)
        input.traffic = [.green: Self.summary(60, errors: 20)]
        let plan = Planner.plan(input)
        #expect(plan.sites.isEmpty)
        let green = try #require(plan.recorded(.green))
        #expect(green.state == .active && green.bakeUntil == nil && green.failureReason == .bakeFailed)
        var status: EnvironmentStatus?
        for case .recordStatus(let recorded) in plan.actions { status = recorded }
        #expect(status?.condition(.degraded)?.reason == .bakeFailed)
    }

    @Test func theBakeEndsAtItsTime() throws {
        var input = Self.baking(now: Fixture.t0.addingTimeInterval(300))
        input.traffic = [.green: Self.summary(5000, errors: 10)]
        let plan = Planner.plan(input)
        let green = try #require(plan.recorded(.green))
        #expect(green.state == .active && green.bakeUntil == nil && green.failure == nil)
        #expect(plan.sites.isEmpty)
    }

    @Test func aRollbackDuringTheBakeEndsIt() throws {
        var input = Self.baking()
        input.state.revisions.append(Revision(number: 3, spec: Fixture.spec(1), source: .rollback, author: "ana", createdAt: input.now, rollbackOf: 1))
        input.traffic = [.green: Self.summary(60, errors: 20)]
        let plan = Planner.plan(input)
        let green = try #require(plan.recorded(.green))
        #expect(green.state == .grace && green.bakeUntil == nil, "no longer baked: a person took traffic back")
        #expect(plan.recorded(.blue)?.state == .active)
    }
}
