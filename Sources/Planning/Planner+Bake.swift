import Foundation
import Spec
import State

extension Planner {
    /// Failing health probes in a row that end a bake (the container answering, but not healthy).
    public static let bakeUnhealthyProbes = 2

    /// Why a baking slot is over one of `policy`'s bars, judged from what it answered since its
    /// switch: nil while it is under them, or while fewer than `minRequests` came (too few to
    /// judge). Errors first: they are what users see.
    public static func bakeVerdict(_ summary: TrafficWindow.Summary, _ policy: BakePolicy) -> String? {
        guard summary.requests >= policy.minRequests, summary.requests > 0 else { return nil }
        if summary.errorRate > policy.maxErrorRate {
            let refused = summary.refused > 0 ? " (\(summary.refused) refused)" : ""
            return "5xx \(percent(summary.errorRate)) of \(summary.requests) requests\(refused), bar \(BakePolicy.percentText(policy.maxErrorRateBasisPoints))"
        }
        if let bar = policy.maxP95, let p95 = summary.p95, p95 > bar.duration {
            return "p95 \(p95.inMilliseconds)ms over \(summary.requests) requests, bar \(bar)"
        }
        return nil
    }

    /// `33%`, `2.4%`, `0.3%`: whole percents from 10 up, one decimal below.
    static func percent(_ share: Double) -> String {
        let value = share * 100
        if value >= 10 { return "\(Int(value.rounded()))%" }
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)%" : "\(tenths / 10).\(tenths % 10)%"
    }

    /// The slot being baked in `state`, with its policy: active, with a bake in progress.
    public static func baking(_ state: EnvironmentState) -> (record: SlotRecord, policy: BakePolicy)? {
        guard let record = state.slots.first(where: { $0.state == .active && $0.bakeUntil != nil }),
              let policy = bakePolicy(state, revision: record.revision)
        else { return nil }
        return (record, policy)
    }

    /// What traffic is read by for a live environment: the port of each slot with a container,
    /// and for the baking slot the moment of its switch (what its verdict counts from).
    public static func trafficSlots(_ state: EnvironmentState, now: Date) -> (ports: [SlotName: Int], since: [SlotName: Date]) {
        let ports = Dictionary(uniqueKeysWithValues: state.slots.filter { $0.state != .empty }.map { ($0.slot, $0.port) })
        let since = baking(state).map { [$0.record.slot: $0.record.promotedAt ?? now] } ?? [:]
        return (ports, since)
    }

    /// What revision `number` is baked by: its spec's `bake:`, else the bake a person asked for
    /// when promoting it (`codeb promote --bake`).
    public static func bakePolicy(_ state: EnvironmentState, revision number: Int?) -> BakePolicy? {
        state.revision(number)?.spec.bake ?? (number != nil && state.promotionApproved == number ? state.promotionBake : nil)
    }
}

extension Pass {
    /// Watches the active slot while its bake lasts: over a bar (traffic since the switch, its
    /// health probe, its container) it goes back to the warm grace slot — one switch — and is
    /// kept stopped for its logs; at the end the bake is done. Returns whether it reverted (the
    /// rest of the lifecycle waits for the next pass then: nothing is rolled out in the same breath).
    mutating func bake() -> Bool {
        guard let active = slot(in: .active), var record = slots[active], let until = record.bakeUntil else { return false }
        // No policy (state from before it was set), or something else is wanted now — a
        // rollback or a new apply, asked by a person: the bake ends without a verdict.
        guard let policy = Planner.bakePolicy(state, revision: record.revision), state.desired?.hash == record.hash else {
            record.bakeUntil = nil
            slots[active] = record
            return false
        }
        // Only a failing probe (or the first healthy one after it) is recorded: healthy answers
        // during a bake change nothing worth a store write.
        if let probe = input.probes[active], !probe.healthy || (record.unhealthyAnswers ?? 0) > 0 {
            record.unhealthyAnswers = probe.healthy ? 0 : (record.unhealthyAnswers ?? 0) + 1
            record.lastProbe = probe.detail
            record.lastProbeAt = now
            slots[active] = record
        }
        var cause: String?
        if let container = containers[active], container.state != .running {
            cause = "its container stopped" + (container.exitCode.map { " (exit code \($0))" } ?? "") + (container.oomKilled == true ? ", out of memory" : "")
        } else if (record.unhealthyAnswers ?? 0) >= Planner.bakeUnhealthyProbes {
            cause = "health check failed \(record.unhealthyAnswers ?? 0) times in a row: \(record.lastProbe ?? "unhealthy")"
        } else if let summary = input.traffic[active] {
            cause = Planner.bakeVerdict(summary, policy)
        }
        guard let cause else {
            if now >= until {
                record.bakeUntil = nil
                slots[active] = record
            } else {
                let probeEvery = Double(state.revision(record.revision)?.spec.template.healthcheck.interval.milliseconds ?? 1000) / 1000
                requeueWithin(min(until.timeIntervalSince(now), probeEvery))
            }
            return false
        }
        guard let grace = slot(in: .grace), let previous = slots[grace], let previousRevision = state.revision(previous.revision) else {
            // Nothing warm to go back to (a first release, or grace 0s): it keeps serving, said.
            record.bakeUntil = nil
            record.failure = "bake failed: \(cause); no previous slot is warm to go back to"
            record.failureReason = .bakeFailed
            slots[active] = record
            return false
        }
        record.state = transition(record.state, .revert)
        record.bakeUntil = nil
        record.failure = "reverted to revision \(previousRevision.number): \(cause)"
        record.failureReason = .reverted
        slots[active] = record
        // Taken back like a rollback takes it: active from now, its grace over.
        promote(grace, revision: previousRevision)
        // The site leaves it first; then it is stopped (its stop timeout for requests in flight).
        if let container = containers[active] {
            drained.append(.stopContainer(id: container.id, name: container.name, timeout: stopTimeout(record), reason: "reverted"))
        }
        return true
    }
}
