import Foundation
import State

/// Where one rollout (an environment's revision) stands, decided from the API's view of the
/// environment. `codeb apply --wait` and the MCP tool `rollout_status` both ask this one
/// function, so they cannot disagree.
public enum RolloutPhase: Sendable, Hashable {
    /// Not on a slot yet (or the revision is newer than the environment knows).
    case pending
    /// On `slot`, being health-checked: `healthy` probes in a row of `needed`; or healthy and
    /// waiting for `codeb promote` when `waitingForPromotion`.
    case waiting(slot: SlotName, port: Int, healthy: Int, needed: Int?, waitingForPromotion: Bool)
    /// Taking traffic on `slot`, watched against its `bake:` bars until `until`.
    case baking(slot: SlotName, port: Int, until: Date)
    /// Taking traffic on `slot`.
    case live(slot: SlotName, port: Int)
    /// Took traffic, went over a `bake:` bar, and traffic went back to the previous revision.
    case reverted(slot: SlotName, reason: String)
    /// Not healthy by its deadline; traffic untouched.
    case failed(slot: SlotName, reason: String)
    /// A later revision replaced it before it settled.
    case superseded

    /// The phase of `revision` (default: the latest) in `environment`. Slots are matched by
    /// template hash, not revision number: a rollback or a reverted spec promotes a slot that
    /// keeps its older revision number.
    public static func of(_ environment: EnvironmentView, revision: Int? = nil) -> RolloutPhase {
        let wanted = revision ?? environment.generation
        guard wanted <= environment.generation else { return .pending }
        // A rollout that is no longer the latest can only be superseded (or still live, if the
        // latest hashes alike and took its slot).
        let hash = environment.latest?.hash
        let latest = wanted == environment.generation
        if let active = environment.slots.first(where: { $0.state == .active && $0.hash == hash }) {
            guard latest else { return .superseded }
            if let until = active.bakeUntil { return .baking(slot: active.slot, port: active.port, until: until) }
            return .live(slot: active.slot, port: active.port)
        }
        guard latest else { return .superseded }
        if let failed = environment.slots.first(where: { $0.state == .failed && $0.hash == hash && ($0.revision ?? 0) >= wanted }) {
            if failed.failureReason == Condition.Reason.reverted.rawValue { return .reverted(slot: failed.slot, reason: failed.failure ?? "reverted") }
            return .failed(slot: failed.slot, reason: failed.failure ?? "unhealthy")
        }
        if let deployed = environment.slots.first(where: { $0.state == .deployed && $0.hash == hash }) {
            let waiting = environment.status.condition(.progressing)?.reason == .waitingForPromotion
            return .waiting(slot: deployed.slot, port: deployed.port, healthy: deployed.healthyStreak, needed: environment.healthyThreshold, waitingForPromotion: waiting)
        }
        return .pending
    }

    /// `live`, `baking`, `waiting`, `failed`, `reverted`, `superseded` or `pending`, as the MCP tool reports it.
    public var name: String {
        switch self {
        case .pending: "pending"
        case .waiting: "waiting"
        case .baking: "baking"
        case .live: "live"
        case .reverted: "reverted"
        case .failed: "failed"
        case .superseded: "superseded"
        }
    }

    /// Whether following it can stop: live (its bake over), failed, reverted, superseded, or healthy and waiting for a
    /// person to promote it.
    public var isSettled: Bool {
        switch self {
        case .live, .failed, .reverted, .superseded: true
        case .baking: false
        case .waiting(_, _, _, _, let waitingForPromotion): waitingForPromotion
        case .pending: false
        }
    }
}
