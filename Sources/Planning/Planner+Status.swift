import Foundation
import State

extension Pass {
    /// Ready / Progressing / Degraded as this pass leaves things; nil when nothing changed
    /// (conditions that keep their status and reason keep their `since`).
    func statusIfChanged() -> EnvironmentStatus? {
        guard let desired = state.desired else { return nil }
        let generation = desired.number
        let active = slot(in: .active).flatMap { slots[$0] }
        let rolling = SlotName.allCases.compactMap { slots[$0] }.first { $0.hash == desired.hash && $0.state == .deployed }
        let failed = SlotName.allCases.compactMap { slots[$0] }.first { $0.hash == desired.hash && $0.state == .failed }
        let live = active?.hash == desired.hash
        let repairing = creates.contains { if case .createContainer(let slot, _) = $0 { return slots[slot]?.state == .active } else { return false } }
            || starts.contains { if case .startContainer(_, let name) = $0 { return name == containerName(slot(in: .active) ?? .blue) } else { return false } }

        var conditions: [Condition] = []
        func add(_ kind: Condition.Kind, _ status: Bool, _ reason: Condition.Reason, _ message: String) {
            let since = Condition.since(previous: state.status.condition(kind), status: status, reason: reason, now: now)
            conditions.append(Condition(kind: kind, status: status, reason: reason, message: message, observedGeneration: generation, since: since))
        }
        let reverted = failed?.failureReason == .reverted
        if live, let active {
            add(.ready, true, .live, "revision \(active.revision ?? 0) serves on the \(active.slot) slot")
        } else if let active, reverted {
            add(.ready, false, .oldRevisionLive, "revision \(active.revision ?? 0) serves: revision \(generation) was reverted")
        } else if let active {
            add(.ready, false, .oldRevisionLive, "revision \(active.revision ?? 0) serves while revision \(generation) rolls out")
        } else {
            add(.ready, false, .nothingLive, "no revision serves yet")
        }
        if let waiting = waitingForServices {
            add(.progressing, true, .waitingForServices, waiting)
        } else if let rolling {
            let waiting = rolling.healthyStreak >= desired.spec.template.healthcheck.healthyThreshold
            add(.progressing, true, waiting ? .waitingForPromotion : .waitingForHealth,
                waiting ? "revision \(generation) is healthy on \(rolling.slot); run `codeb promote`" : "revision \(generation) deployed on \(rolling.slot), waiting for \(desired.spec.template.healthcheck.path)")
        } else if live, let active, let until = active.bakeUntil {
            add(.progressing, true, .baking, "revision \(generation) is live on \(active.slot), baking until \(until.clockText)")
        } else {
            add(.progressing, false, live ? .rolloutComplete : (failed != nil ? (reverted ? .reverted : .rolloutFailed) : .idle), live ? "revision \(generation) is live" : "")
        }
        if let proxyProblem = input.proxyProblem {
            add(.degraded, true, .proxyUnavailable, proxyProblem)
        } else if let failed {
            add(.degraded, true, failed.failureReason ?? .rolloutFailed, failed.failure ?? "revision \(generation) failed")
        } else if let active, active.failureReason == .bakeFailed {
            add(.degraded, true, .bakeFailed, active.failure ?? "bake failed")
        } else if let problem = failedServiceChange(desired) {
            add(.degraded, true, .serviceChangeFailed, problem)
        } else if active != nil, let problem = unhealthyService(desired) {
            add(.degraded, true, .serviceUnhealthy, problem)
        } else if repairing {
            add(.degraded, true, .repairing, "the active container is missing or stopped; restoring it")
        } else if active != nil, let pending = input.certificates.first(where: { !$0.verified }) {
            add(.degraded, true, .certificatePending, "no certificate that verifies is served for \(pending.domain) yet: \(pending.problem ?? "none")")
        } else {
            add(.degraded, false, .asExpected, "")
        }
        // Kept as last read while nothing is live or Caddy is away (no handshake was made then).
        let certificates = active != nil && input.proxyProblem == nil ? input.certificates : state.status.certificates
        let status = EnvironmentStatus(conditions: conditions, observedGeneration: generation, certificates: certificates)
        return status == state.status ? nil : status
    }
}
