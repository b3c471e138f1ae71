
import Drivers
import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// One row per lifecycle rule of DESIGN.md and its edges.
@Suite struct PlannerTests {
    typealias F = Fixture
    let t0 = Fixture.t0

    /// A live, converged environment: revision 1 active on blue, site pointing at it.
    func live(versions: [Int] = [1]) -> PlanInput {
        var state = F.state(versions: versions)
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        return PlanInput(state: state, containers: [F.container(.blue, version: 1)], site: F.site([4100], revision: 1, version: 1), now: t0)
    }

    /// Feeds the status a plan records back into the input, as the executor would.
    func settled(_ input: PlanInput) -> PlanInput {
        var input = input
        for action in Planner.plan(input).actions {
            if case .recordStatus(let status) = action { input.state.status = status }
        }
        return input
    }

    @Test func aConvergedWorldPlansNothing() {
        let plan = Planner.plan(settled(live()))
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == nil)
    }

    @Test func theFirstApplyRecordsIntentBeforeCreatingTheContainer() throws {
        let plan = Planner.plan(PlanInput(state: F.state(versions: [1]), now: t0))
        let record = try #require(plan.index { if case .recordSlots = $0 { return true } else { return false } })
        let create = try #require(plan.index { if case .createContainer = $0 { return true } else { return false } })
        #expect(record < create)
        #expect(plan.recorded(.blue)?.state == .deployed)
        #expect(plan.recorded(.blue)?.revision == 1)
        #expect(plan.recorded(.blue)?.deployedAt == t0)
        let spec = try #require(plan.creates.first)
        #expect(spec.name == "shop-production-blue")
        #expect(spec.hostPort == 4100)
        #expect(spec.image == "codeb-test/web:1")
        #expect(spec.labels[ManagedLabels.specHash] == F.hash(1))
        #expect(spec.labels[ManagedLabels.revision] == "1")
        #expect(spec.stopTimeoutSeconds == 5)
        // Nothing serves yet: the site answers 503 rather than pointing anywhere.
        #expect(plan.upstreams == [])
        // The first probe right after the container starts, not an interval later.
        #expect(plan.requeueAfter == .milliseconds(10))
    }

    @Test func aNewRevisionDeploysIntoTheNonActiveSlotWithoutTouchingTraffic() {
        var input = live(versions: [1, 2])
        input = settled(input)
        let plan = Planner.plan(input)
        #expect(plan.recorded(.green)?.state == .deployed)
        #expect(plan.recorded(.green)?.revision == 2)
        #expect(plan.creates.map(\.name) == ["shop-production-green"])
        #expect(plan.creates.first?.hostPort == 4101)
        #expect(plan.sites.isEmpty, "traffic stays on blue until green is healthy")
    }

    @Test func aHealthyProbeCountsButOneIsNotEnough() {
        var input = live(versions: [1, 2])
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2)
        input.containers.append(F.container(.green, version: 2))
        input.probes = [.green: F.healthy()]
        input.now = t0.addingTimeInterval(1)
        let plan = Planner.plan(input)
        #expect(plan.recorded(.green)?.healthyStreak == 1)
        #expect(plan.recorded(.green)?.state == .deployed)
        #expect(plan.sites.isEmpty)
        #expect(plan.requeueAfter == .seconds(1))
    }

    /// v1 live on blue, v2 deployed on green one healthy probe short, the next probe healthy.
    func readyToPromote() -> PlanInput {
        var input = live(versions: [1, 2])
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2, streak: 1)
        input.containers.append(F.container(.green, version: 2))
        input.probes = [.green: F.healthy()]
        input.now = t0.addingTimeInterval(2)
        return input
    }

    @Test func aHealthySlotIsPromotedSiteFirstThenRecorded() throws {
        let input = readyToPromote()
        let plan = Planner.plan(input)
        let site = try #require(plan.index { if case .writeSite = $0 { return true } else { return false } })
        let record = try #require(plan.index { if case .recordSlots = $0 { return true } else { return false } })
        let confirm = try #require(plan.index { if case .confirmTraffic = $0 { return true } else { return false } })
        #expect(site < confirm && confirm < record, "a promotion counts only once traffic through the proxy reaches it")
        if case .confirmTraffic(let checked, let path) = plan.actions[confirm] {
            #expect(checked.routes.first?.upstreams.first == Upstream(port: 4101))
            #expect(path == "/health")
        }
        #expect(plan.upstreams == [4101, 4100], "active first, grace second")
        #expect(plan.recorded(.green)?.state == .active)
        #expect(plan.recorded(.green)?.promotedAt == input.now)
        #expect(plan.recorded(.blue)?.state == .grace)
        #expect(plan.recorded(.blue)?.graceUntil == input.now.addingTimeInterval(3600))
        #expect(plan.creates.isEmpty)
        #expect(plan.removedIDs.isEmpty)
    }

    @Test func aPromotionWhoseSiteIsAlreadyWrittenIsStillConfirmed() throws {
        // An earlier pass wrote the site and then failed to confirm: the retry confirms again
        // before it records the promotion.
        var input = readyToPromote()
        let written = try #require(Planner.plan(input).sites.last)
        input.site = F.observedSite(written)
        let plan = Planner.plan(input)
        #expect(plan.sites.isEmpty)
        let confirm = try #require(plan.index { if case .confirmTraffic = $0 { return true } else { return false } })
        let record = try #require(plan.index { if case .recordSlots = $0 { return true } else { return false } })
        #expect(confirm < record)
    }

    @Test func anUnhealthyProbeResetsTheStreak() {
        var input = live(versions: [1, 2])
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2, streak: 1)
        input.containers.append(F.container(.green, version: 2))
        input.probes = [.green: F.unhealthy()]
        input.now = t0.addingTimeInterval(3)
        let plan = Planner.plan(input)
        #expect(plan.recorded(.green)?.healthyStreak == 0)
        #expect(plan.recorded(.green)?.lastProbe == "GET /health answered HTTP 503")
    }

    @Test(arguments: [(9.999, false), (10.0, true), (60.0, true)])
    func theDeadlineFailsTheRolloutAndLeavesTrafficAlone(_ elapsed: Double, _ fails: Bool) {
        var input = live(versions: [1, 2])
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2)
        input.containers.append(F.container(.green, version: 2))
        input.probes = [.green: F.unhealthy()]
        input.now = t0.addingTimeInterval(elapsed)
        let plan = Planner.plan(input)
        #expect(plan.sites.isEmpty)
        if fails {
            #expect(plan.recorded(.green)?.state == .failed)
            #expect(plan.recorded(.green)?.failure?.contains("503") == true)
            #expect(plan.stoppedIDs == ["green-v2"], "stopped but kept for its logs")
            #expect(plan.removedIDs.isEmpty)
            // An unhealthy answer is the cause the Degraded condition names.
            #expect(plan.recorded(.green)?.failureReason == .unhealthy)
            #expect(plan.actions.contains { if case .recordStatus(let s) = $0 { return s.condition(.degraded)?.reason == .unhealthy } else { return false } })
        } else {
            #expect(plan.recorded(.green)?.state == .deployed)
            #expect(plan.requeueAfter != nil)
        }
    }

    @Test func aFailedRolloutIsNotRetriedInALoop() {
        var input = live(versions: [1, 2])
        input.state.green = F.record(.green, .failed, revision: 2, version: 2, failure: "not healthy")
        input.containers.append(F.container(.green, version: 2, state: .exited))
        input = settled(input)
        let plan = Planner.plan(input)
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == nil)
    }

    @Test func aNewApplyOfTheSameSpecRetriesAFailedRollout() {
        var input = live(versions: [1, 2, 2])
        input.state.green = F.record(.green, .failed, revision: 2, version: 2, failure: "not healthy")
        input.containers.append(F.container(.green, version: 2, state: .exited))
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["green-v2"])
        #expect(plan.recorded(.green)?.state == .deployed)
        #expect(plan.recorded(.green)?.revision == 3)
        #expect(plan.creates.map(\.name) == ["shop-production-green"])
    }

    @Test func manualPromotionWaitsForApproval() {
        var input = live(versions: [1, 2])
        for index in input.state.revisions.indices { input.state.revisions[index].spec.promote = .manual }
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2, streak: 2)
        input.containers.append(F.container(.green, version: 2))
        input.now = t0.addingTimeInterval(60)
        let waiting = Planner.plan(input)
        #expect(waiting.sites.isEmpty)
        #expect(waiting.recorded(.green) == nil)
        #expect(waiting.requeueAfter == nil, "healthy and waiting for a person: nothing to poll")

        input.state.promotionApproved = 2
        let approved = Planner.plan(input)
        #expect(approved.upstreams == [4101, 4100])
        #expect(approved.recorded(.green)?.state == .active)
    }

    @Test(arguments: [0.0, 3599.0])
    func graceStaysUntilItsDeadline(_ elapsed: Double) {
        var input = live()
        input.state.green = F.record(.green, .grace, revision: 1, version: 0, graceUntil: t0.addingTimeInterval(3600))
        input.state.revisions.insert(Revision(number: 0, spec: F.spec(0), source: .apply, author: "t", createdAt: t0), at: 0)
        input.containers.append(F.container(.green, version: 0))
        input.site = F.site([4100, 4101], revision: 1, version: 1)
        input = settled(input)
        input.now = t0.addingTimeInterval(elapsed)
        let plan = Planner.plan(input)
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == .seconds(3600 - elapsed))
    }

    @Test(arguments: [3600.0, 7200.0])
    func graceExpiresAtItsDeadline(_ elapsed: Double) {
        var input = live()
        input.state.green = F.record(.green, .grace, revision: 1, version: 0, graceUntil: t0.addingTimeInterval(3600))
        input.containers.append(F.container(.green, version: 0))
        input.site = F.site([4100, 4101], revision: 1, version: 1)
        input.now = t0.addingTimeInterval(elapsed)
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["green-v0"])
        #expect(plan.recorded(.green)?.state == .empty)
        #expect(plan.upstreams == [4100])
    }

    @Test func aRollbackPromotesTheWarmGraceSlotAtOnce() {
        // Revision 3 is a copy of revision 1, which green still runs in grace.
        var input = settled(live(versions: [1, 2, 1]))
        input.state.blue = F.record(.blue, .active, revision: 2, version: 2)
        input.state.green = F.record(.green, .grace, revision: 1, version: 1, graceUntil: t0.addingTimeInterval(3600))
        input.containers = [F.container(.blue, version: 2), F.container(.green, version: 1)]
        input.site = F.site([4100, 4101], revision: 2, version: 2)
        input.now = t0.addingTimeInterval(10)
        let plan = Planner.plan(input)
        #expect(plan.creates.isEmpty, "no new container")
        #expect(plan.removedIDs.isEmpty)
        #expect(plan.upstreams == [4101, 4100])
        #expect(plan.recorded(.green)?.state == .active)
        #expect(plan.recorded(.blue)?.state == .grace)
    }

    @Test func aRevertedSpecMakesAStaleRolloutGoAway() {
        var input = live(versions: [1, 2, 1])
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2)
        input.containers.append(F.container(.green, version: 2))
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["green-v2"])
        #expect(plan.recorded(.green)?.state == .empty)
        #expect(plan.creates.isEmpty)
    }

    @Test func bothSlotsOccupiedANewRevisionEvictsTheGraceSlot() {
        var input = live(versions: [0, 1, 2])
        input.state.blue = F.record(.blue, .active, revision: 2, version: 1)
        input.state.green = F.record(.green, .grace, revision: 1, version: 0, graceUntil: t0.addingTimeInterval(3600))
        input.containers = [F.container(.blue, version: 1), F.container(.green, version: 0)]
        input.site = F.site([4100, 4101], revision: 2, version: 1)
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["green-v0"])
        #expect(plan.recorded(.green)?.state == .deployed)
        #expect(plan.recorded(.green)?.revision == 3)
        #expect(plan.creates.map(\.image) == ["codeb-test/web:2"])
        // Blue stays active; the upstream list loses the retired grace slot.
        #expect(plan.upstreams == [4100])
    }

    @Test func graceExpiryAndANewRevisionAtOnceRemoveTheContainerOnce() {
        var input = live(versions: [0, 1, 2])
        input.state.blue = F.record(.blue, .active, revision: 2, version: 1)
        input.state.green = F.record(.green, .grace, revision: 1, version: 0, graceUntil: t0)
        input.containers = [F.container(.blue, version: 1), F.container(.green, version: 0)]
        input.now = t0.addingTimeInterval(5)
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["green-v0"])
        #expect(plan.creates.count == 1)
    }

    @Test func aMissingActiveContainerIsRecreatedFromItsRecord() {
        var input = settled(live())
        input.containers = []
        let plan = Planner.plan(input)
        #expect(plan.creates.map(\.name) == ["shop-production-blue"])
        #expect(plan.creates.first?.image == "codeb-test/web:1")
        #expect(plan.recordedSlots.isEmpty, "the record is right; only the container is missing")
    }

    @Test(arguments: [ContainerInfo.State.exited, .created, .dead])
    func aStoppedActiveContainerIsStarted(_ containerState: ContainerInfo.State) {
        var input = settled(live())
        input.containers = [F.container(.blue, version: 1, state: containerState)]
        let plan = Planner.plan(input)
        #expect(plan.startedIDs == ["blue-v1"])
        #expect(plan.creates.isEmpty)
    }

    @Test func aContainerChangedByHandIsReplaced() {
        var input = settled(live())
        input.containers = [F.container(.blue, version: 9)]
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["blue-v9"])
        #expect(plan.creates.map(\.image) == ["codeb-test/web:1"])
    }

    @Test func unknownAndDuplicateContainersAreRemoved() {
        var input = settled(live())
        input.containers += [
            F.container(.blue, version: 7, id: "dup"),
            F.container(.green, version: 1, name: "shop-production-green-old", id: "stranger"),
            F.container(.green, version: 1, id: "orphan"),
        ]
        let plan = Planner.plan(input)
        #expect(Set(plan.removedIDs) == ["dup", "stranger", "orphan"])
        #expect(plan.creates.isEmpty)
    }

    @Test func aHandEditedSiteIsRewritten() {
        var input = settled(live())
        input.site?.intact = false
        let plan = Planner.plan(input)
        #expect(plan.upstreams == [4100])
        #expect(plan.work.count == 1)
    }

    @Test func deleteRemovesEverythingThenForgets() throws {
        var input = live()
        input.state.deleting = true
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["blue-v1"])
        #expect(plan.actions.contains(.removeSite))
        #expect(plan.actions.last == .forget)
        #expect(plan.requeueAfter == nil)
    }

    @Test func aClockMovedBackwardsNeitherExpiresNorFails() {
        var input = live(versions: [1, 2])
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2)
        input.containers.append(F.container(.green, version: 2))
        input.probes = [.green: F.unhealthy()]
        input.now = t0.addingTimeInterval(-3600)
        let plan = Planner.plan(input)
        #expect(plan.recorded(.green)?.state == .deployed)
        #expect(plan.stoppedIDs.isEmpty)
        #expect((plan.requeueAfter ?? .zero) > .zero)
        #expect((plan.requeueAfter ?? .zero) <= .seconds(1))
    }

    @Test func slotRecordsThatDisagreeWithContainersFollowTheRecords() {
        // Records say green is empty and blue active; Docker shows only a green container.
        var input = settled(live())
        input.containers = [F.container(.green, version: 1)]
        let plan = Planner.plan(input)
        #expect(plan.removedIDs == ["green-v1"])
        #expect(plan.creates.map(\.name) == ["shop-production-blue"])
    }

    @Test func previewDomainsServeDeployedAndActiveSlots() throws {
        var input = live(versions: [1, 2])
        input.state.green = F.record(.green, .deployed, revision: 2, version: 2)
        input.containers.append(F.container(.green, version: 2))
        input.previewDomain = try Hostname(parsing: "preview.test")
        let plan = Planner.plan(input)
        let routes = try #require(plan.sites.last?.routes)
        #expect(routes.map { $0.domains.map(\.value) } == [["shop.test"], ["blue-production-shop.preview.test"], ["green-production-shop.preview.test"]])
        #expect(routes.map { $0.upstreams.map(\.port) } == [[4100], [4100], [4101]])
    }

    @Test func thePlannerIsDeterministic() {
        var input = live(versions: [0, 1, 2])
        input.containers += [F.container(.green, version: 5, id: "x"), F.container(.green, version: 6, id: "y")]
        #expect(Planner.plan(input) == Planner.plan(input))
    }
}
