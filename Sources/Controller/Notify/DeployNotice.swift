import Foundation
import Spec
import State

/// What a team's webhook hears about one of its environments: a rollout started, went live,
/// failed, a rollback took traffic, or a warm previous version's grace ran out.
public struct DeployNotice: Sendable, Hashable, Codable {
    public enum Event: String, Sendable, Hashable, Codable, CaseIterable {
        case rolloutStarted = "rollout.started"
        case rolloutLive = "rollout.live"
        case rolloutFailed = "rollout.failed"
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
        var notices: [DeployNotice] = []
        for action in plan.actions {
            guard case .recordSlots(let records) = action else { continue }
            for record in records {
                let before = input.state.slots.first { $0.slot == record.slot }
                guard before?.state != record.state || before?.revision != record.revision else { continue }
                let revision = record.revision.flatMap { input.state.revision($0) }
                let event: Event
                var reason: String?
                var author = revision?.author
                switch record.state {
                case .deployed:
                    event = .rolloutStarted
                case .active:
                    // A warm previous slot taking traffic again is a rollback; who asked is the
                    // author of the rollback's revision, not of the version it brings back.
                    let rollingBack = before?.state == .grace || revision?.source == .rollback
                    event = rollingBack ? .rollback : .rolloutLive
                    if rollingBack, let desired = input.state.desired, desired.source == .rollback { author = desired.author }
                case .failed:
                    event = .rolloutFailed
                    reason = record.failure
                case .empty:
                    // Only the end of a grace period; a grace slot taken for a deploy is no news.
                    guard let before, before.state == .grace, let until = before.graceUntil, until <= input.now else { continue }
                    event = .graceExpired
                    reason = "grace period over"
                    notices.append(DeployNotice(
                        event: event, team: input.state.team.value, project: input.state.key.project.value,
                        environment: input.state.key.environment.value, revision: before.revision,
                        image: before.revision.flatMap { input.state.revision($0) }?.spec.template.image.description,
                        author: nil, reason: reason, slot: record.slot.rawValue, at: input.now
                    ))
                    continue
                case .grace:
                    continue
                }
                notices.append(DeployNotice(
                    event: event, team: input.state.team.value, project: input.state.key.project.value,
                    environment: input.state.key.environment.value, revision: record.revision,
                    image: revision?.spec.template.image.description, author: author, reason: reason,
                    slot: record.slot.rawValue, at: input.now
                ))
            }
        }
        return notices
    }
}
