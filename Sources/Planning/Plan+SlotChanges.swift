import State

/// A slot record a plan writes, beside the record it replaces.
public struct SlotChange: Sendable, Hashable {
    public var before: SlotRecord?
    public var after: SlotRecord
}

extension Plan {
    /// The slot records this plan writes that change a slot's state or revision, against
    /// `state` as it was planned from. A record rewritten in the same state and revision (a
    /// probe count, a reason) is no change: metrics and notifications both count from here.
    public func slotChanges(from state: EnvironmentState) -> [SlotChange] {
        actions.flatMap { action -> [SlotChange] in
            guard case .recordSlots(let records) = action else { return [] }
            return records.compactMap { record in
                let before = state.slots.first { $0.slot == record.slot }
                guard before?.state != record.state || before?.revision != record.revision else { return nil }
                return SlotChange(before: before, after: record)
            }
        }
    }
}
