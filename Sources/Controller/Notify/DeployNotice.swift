import Foundation
import Planning
import Spec
import State

/// What a team's webhook hears about one of its environments: a rollout started, went live,
/// failed, was reverted by its bake, a rollback took traffic, or a warm previous version's grace ran out.
public struct DeployNotice: Sendable, Hashable, Codable {
    public enum Event: String, Sendable, Hashable, Codable, CaseIterable {
        case rolloutStarted = "rollout.started"
        case rolloutLive = "rollout.live"
        case rolloutFailed = "rollout.failed"
        /// Over a `bake:` bar after its switch: traffic went back to the previous revision.
        case rolloutReverted = "rollout.reverted"
        case rollback
        case graceExpired = "grace.expired"
    }

    public var event: Event
    public var team: String
    public var project: String
    public var environment: String
    public var revision: Int?
    public var image: String?
    /// Who applied the revision (the key's name or id), as the history says.
    public var author: String?
    /// Why a rollout failed, or what ended a slot.
    public var reason: String?
    public var slot: String
    public var at: Date

    /// The notices a plan's slot records make, against the records they replace. Pure: the
    /// reconciler calls it after the plan was carried out.
    public static func notices(_ plan: Plan, _ input: PlanInput) -> [DeployNotice] {
        let state = input.state
        let changes = plan.slotChanges(from: state)
        // A revert is one notice: the previous slot taking traffic back is how it is done.
        let reverting = changes.contains { $0.after.state == .failed && $0.before?.state == .active }
        return changes.compactMap { change -> DeployNotice? in
            let (before, record) = (change.before, change.after)
            var revisionNumber = record.revision
            let event: Event
            var reason: String?
            var author: String?
            switch record.state {
            case .deployed:
                event = .rolloutStarted
            case .active:
                if reverting { return nil }
                // A warm previous slot taking traffic again is a rollback; who asked is the
                // author of the rollback's revision, not of the version it brings back.
                let rollingBack = before?.state == .grace || state.revision(record.revision)?.source == .rollback
                event = rollingBack ? .rollback : .rolloutLive
                if rollingBack, let desired = state.desired, desired.source == .rollback { author = desired.author }
            case .failed:
                event = before?.state == .active ? .rolloutReverted : .rolloutFailed
                reason = record.failure
            case .empty:
                // Only the end of a grace period; a grace slot taken for a deploy is no news.
                guard let before, before.state == .grace, let until = before.graceUntil, until <= input.now else { return nil }
                event = .graceExpired
                reason = "grace period over"
                revisionNumber = before.revision
            case .grace:
                return nil
            }
            let revision = revisionNumber.flatMap { state.revision($0) }
            return DeployNotice(
                event: event, team: state.team.value, project: state.key.project.value, environment: state.key.environment.value,
                revision: revisionNumber, image: revision?.spec.template.image.description,
                author: event == .graceExpired ? nil : author ?? revision?.author, reason: reason, slot: record.slot.rawValue, at: input.now
            )
        }
    }

    /// What happened, in the user's words: the default line of `codeb events` and the console.
    public var sentence: String {
        let revision = revision.map { "revision \($0)" } ?? "a revision"
        switch event {
        case .rolloutStarted: return "\(revision) deployed on \(slot)" + (image.map { " (\($0))" } ?? "")
        case .rolloutLive: return "\(revision) live on \(slot)"
        case .rolloutFailed: return "\(revision) failed: \(reason ?? "unhealthy")"
        case .rolloutReverted: return "\(revision) \(reason ?? "reverted")"
        case .rollback: return "\(revision) back on \(slot) (rollback)"
        case .graceExpired: return "\(revision)'s grace ended on \(slot); its container goes"
        }
    }
}
