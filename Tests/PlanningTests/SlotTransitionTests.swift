
import Drivers
@testable import Planning
import State
import Testing

/// The slot lifecycle as one table: every state × event, what the planner may do. A row added
/// or changed in `SlotState.after` must be changed here too.
@Suite struct SlotTransitionTests {
    static let table: [SlotState: [SlotEvent: SlotState]] = [
        .empty: [.deploy: .deployed],
        .deployed: [.promote: .active, .fail: .failed, .retire: .empty],
        .active: [.supersede: .grace, .revert: .failed],
        .grace: [.promote: .active, .retire: .empty],
        .failed: [.retire: .empty],
    ]

    @Test(arguments: SlotState.allCases, SlotEvent.allCases)
    func everyStateAndEventFollowsTheTable(state: SlotState, event: SlotEvent) {
        #expect(state.after(event) == Self.table[state]?[event], "\(state) --\(event)-->")
    }

    @Test func everyStateIsReachableFromEmptyAndLeadsBackToIt() {
        var reached: Set<SlotState> = [.empty], frontier: [SlotState] = [.empty]
        while let state = frontier.popLast() {
            for event in SlotEvent.allCases {
                if let next = state.after(event), reached.insert(next).inserted { frontier.append(next) }
            }
        }
        #expect(reached == Set(SlotState.allCases))
        // Nothing is stuck: from every state some path ends empty (the container goes).
        for state in SlotState.allCases {
            var seen: Set<SlotState> = [state], queue = [state]
            while let current = queue.popLast() {
                for event in SlotEvent.allCases {
                    if let next = current.after(event), seen.insert(next).inserted { queue.append(next) }
                }
            }
            #expect(seen.contains(.empty), "\(state) can never be emptied")
        }
    }

    /// An active slot is never retired straight away: traffic moves first (it becomes grace).
    @Test func theServingSlotIsNeverRetiredDirectly() {
        #expect(SlotState.active.after(.retire) == nil)
        #expect(SlotState.active.after(.fail) == nil)
    }
}
