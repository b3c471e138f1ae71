import Foundation
import Spec
import State

extension Planner {
    /// The slots whose health probe is due at `now`: deployed, still short of the healthy
    /// threshold, with a running container, and not probed within (nearly) the interval — so
    /// passes triggered by other changes never speed up the health gate. Observation probes
    /// exactly these; the gate (`Pass.gate`) then counts what they answered. One rule, here.
    public static func probesDue(_ state: EnvironmentState, containers: [ContainerInfo], now: Date) -> [SlotRecord] {
        state.slots.filter { record in
            guard let revision = state.revision(record.revision) else { return false }
            let check = revision.spec.template.healthcheck
            guard record.state == .deployed, record.healthyStreak < check.healthyThreshold else { return false }
            if let last = record.lastProbeAt, now.timeIntervalSince(last) < probeSpacing(record, check) * 0.9 { return false }
            return containers.contains { $0.labels[ManagedLabels.slot] == record.slot.rawValue && $0.state == .running }
        }
    }

    /// Seconds between two probes of `record`: the interval, except while the app has not
    /// answered yet — then 10 ms after the first unanswered probe, doubling each time, up to the
    /// interval — so a slot is seen healthy about as soon as it listens.
    public static func probeSpacing(_ record: SlotRecord, _ check: Healthcheck) -> Double {
        let interval = Double(check.interval.milliseconds) / 1000
        guard let unanswered = record.unansweredProbes, unanswered > 0 else { return interval }
        return min(interval, 0.01 * pow(2, Double(min(unanswered - 1, 20))))
    }

    /// Whether a baking slot's health probe is due, given when it was last probed (kept by the
    /// reconciler in memory: a healthy answer during a bake is no news worth a store write).
    public static func bakeProbeDue(_ state: EnvironmentState, lastProbe: Date?, now: Date) -> SlotRecord? {
        guard let (record, _) = baking(state), let check = state.revision(record.revision)?.spec.template.healthcheck else { return nil }
        if let lastProbe, lastProbe <= now, now.timeIntervalSince(lastProbe) < Double(check.interval.milliseconds) / 1000 * 0.9 { return nil }
        return record
    }
}
