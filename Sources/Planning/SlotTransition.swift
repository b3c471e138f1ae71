import State

/// What can happen to a slot. With `SlotState.after(_:)` it is the one transition table the
/// planner follows; `SlotTransitionTests` enumerates every state × event.
public enum SlotEvent: String, Sendable, Hashable, CaseIterable {
    /// A revision is placed in the slot (its container is created next).
    case deploy
    /// The slot takes traffic: healthy and allowed, or the warm grace slot on a rollback.
    case promote
    /// Not healthy by the health check's deadline; the container is stopped, kept for its logs.
    case fail
    /// Over a `bake:` bar after it took traffic: the previous slot takes it back; the container
    /// is stopped and kept for its logs, like a failed rollout's.
    case revert
    /// Another slot took traffic; this one stays warm for rollback until its grace ends.
    case supersede
    /// Grace over, no longer wanted, or evicted to make room: the container goes.
    case retire
}

extension SlotState {
    /// The state `event` leads to, or nil when it cannot happen in this state.
    public func after(_ event: SlotEvent) -> SlotState? {
        switch (self, event) {
        case (.empty, .deploy): .deployed
        case (.deployed, .promote), (.grace, .promote): .active
        case (.deployed, .fail), (.active, .revert): .failed
        case (.active, .supersede): .grace
        case (.deployed, .retire), (.failed, .retire), (.grace, .retire): .empty
        default: nil
        }
    }
}
