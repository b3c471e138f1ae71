@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing
import TestSupport

/// `RolloutPhase.of` is what `codeb apply --wait` and the MCP tool `rollout_status` both ask;
/// a table of the environment after apply, promotion, rollback and failure.
@Suite struct RolloutPhaseTests {
    typealias F = Fixture

    static func view(_ build: (inout EnvironmentState) -> Void) -> EnvironmentView {
        var state = F.state(versions: [1, 2])
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        build(&state)
        return EnvironmentView(state)
    }

    @Test func afterAnApplyTheNewRevisionWaitsForHealth() {
        let view = Self.view { $0.green = F.record(.green, .deployed, revision: 2, version: 2, streak: 1) }
        let phase = RolloutPhase.of(view)
        #expect(phase == .waiting(slot: .green, port: 4101, healthy: 1, needed: 2, waitingForPromotion: false))
        #expect(!phase.isSettled)
        #expect(RolloutPhase.of(view, revision: 1) == .superseded, "an earlier revision is no longer the one rolling out")
    }

    @Test func aHealthyManualRevisionIsSettledUntilPromoted() {
        let view = Self.view { state in
            state.green = F.record(.green, .deployed, revision: 2, version: 2, streak: 2)
            state.status.conditions = [Condition(kind: .progressing, status: true, reason: .waitingForPromotion, message: "", observedGeneration: 2, since: F.t0)]
        }
        #expect(RolloutPhase.of(view).isSettled)
        #expect(RolloutPhase.of(view).name == "waiting")
    }

    @Test func afterPromotionItIsLive() {
        let view = Self.view { state in
            state.green = F.record(.green, .active, revision: 2, version: 2)
            state.blue = F.record(.blue, .grace, revision: 1, version: 1)
        }
        #expect(RolloutPhase.of(view) == .live(slot: .green, port: 4101))
    }

    @Test func afterARollbackTheRollbackRevisionIsLiveOnTheSlotThatKeptItsOlderNumber() {
        // Revision 3 copies revision 1; blue (still recording revision 1) takes traffic again.
        var state = F.state(versions: [1, 2, 1])
        state.blue = F.record(.blue, .active, revision: 1, version: 1)
        state.green = F.record(.green, .grace, revision: 2, version: 2)
        let view = EnvironmentView(state)
        #expect(RolloutPhase.of(view, revision: 3) == .live(slot: .blue, port: 4100), "matched by hash, not revision number")
        #expect(RolloutPhase.of(view, revision: 2) == .superseded)
        #expect(RolloutPhase.of(view, revision: 4) == .pending, "a revision the environment does not have yet")
    }

    @Test func whileItBakesItIsNotSettledAndARevertIsItsOwnEnd() {
        let baking = Self.view { state in
            state.green = F.record(.green, .active, revision: 2, version: 2)
            state.green.bakeUntil = F.t0.addingTimeInterval(300)
            state.blue = F.record(.blue, .grace, revision: 1, version: 1)
        }
        #expect(RolloutPhase.of(baking) == .baking(slot: .green, port: 4101, until: F.t0.addingTimeInterval(300)))
        #expect(!RolloutPhase.of(baking).isSettled, "apply --wait waits through the bake")
        let reverted = Self.view { state in
            state.green = F.record(.green, .failed, revision: 2, version: 2, failure: "reverted to revision 1: 5xx 33% of 60 requests, bar 2%")
            state.green.failureReason = .reverted
        }
        #expect(RolloutPhase.of(reverted) == .reverted(slot: .green, reason: "reverted to revision 1: 5xx 33% of 60 requests, bar 2%"))
        #expect(RolloutPhase.of(reverted).isSettled && RolloutPhase.of(reverted).name == "reverted")
    }

    @Test func aFailedRolloutSaysWhy() {
        let view = Self.view { $0.green = F.record(.green, .failed, revision: 2, version: 2, failure: "not healthy within 10s: GET /health answered HTTP 503") }
        #expect(RolloutPhase.of(view) == .failed(slot: .green, reason: "not healthy within 10s: GET /health answered HTTP 503"))
        #expect(RolloutPhase.of(view).isSettled)
    }
}
