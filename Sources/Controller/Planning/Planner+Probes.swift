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
            guard record.state == .deployed, let revision = state.revision(record.revision) else { return false }
            let check = revision.spec.template.healthcheck
            guard record.healthyStreak < check.healthyThreshold else { return false }
            if let last = record.lastProbeAt, now.timeIntervalSince(last) * 1000 < Double(check.interval.milliseconds) * 0.9 { return false }
            return containers.contains { $0.labels[ManagedLabels.slot] == record.slot.rawValue && $0.state == .running }
        }
    }
}
