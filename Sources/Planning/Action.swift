import Foundation
import State

/// One step the executor takes. The planner emits them in the order they must run: the
/// executor stops at the first failure and the next pass plans again from what is then true.
public enum Action: Sendable, Hashable, CustomStringConvertible {
    /// Records slot state in the store. Emitted before `createContainer` for a new deploy, so a
    /// crash between the two is adopted on restart instead of creating a second container.
    case recordSlots([SlotRecord])
    /// Creates and starts a slot's container. A taken name is resolved by inspecting it.
    case createContainer(slot: SlotName, spec: ContainerSpec)
    /// Creates and starts a backing service's container (its named volume and the
    /// environment's network made on first use).
    case createService(service: String, spec: ContainerSpec)
    /// Removes a backing service's named volume and its data (`delete --purge-data` only).
    case removeVolume(name: String)
    /// Removes the environment's own network once its containers are gone (a deleted
    /// environment with services); one still in use is left for the orphan sweep.
    case removeNetwork(name: String)
    /// Replaces a changed service's container on the same volume: a backup first, the old one
    /// stopped and set aside, the new one started and waited for; if it does not accept
    /// connections by `deadline` (the app's health check deadline), the old one runs again and
    /// the change is recorded as failed.
    case replaceService(service: String, oldID: String, spec: ContainerSpec, port: Int, stopTimeout: Duration, deadline: Duration)
    /// Takes a scheduled backup of a service (`backup: { every }`); planned last, so a backup
    /// that fails holds up nothing else.
    case backupService(service: String)
    /// Replaces a service's volume with a backup's content (read through first), then starts
    /// it from `spec`; the restore asked for is then cleared.
    case restoreService(service: String, backup: String, spec: ContainerSpec, target: String, stopTimeout: Duration)
    case startContainer(id: String, name: String)
    case stopContainer(id: String, name: String, timeout: Duration, reason: String)
    case removeContainer(id: String, name: String, timeout: Duration, reason: String)
    /// Renames an evicted slot's container out of the way (its successor takes the name, on
    /// another port) and stops and removes it in the background — after `drain` when it was
    /// serving — so the rollout does not wait for it to drain.
    case retireContainer(id: String, name: String, retiredName: String, timeout: Duration, drain: Duration?, reason: String)
    /// Waits `wait` before the next action (removing the container): the slot no longer
    /// receives new requests (the site left it), and those in flight get to finish.
    case drain(name: String, wait: Duration)
    /// Writes the environment's site file and reloads the proxy; done only once the proxy confirms.
    case writeSite(SiteConfig)
    case removeSite
    /// Waits until traffic through the proxy reaches the site's active upstream, probing `path`
    /// (the health check's): emitted before a promotion is recorded, so "live" means served.
    case confirmTraffic(SiteConfig, path: String)
    case recordStatus(EnvironmentStatus)
    /// Deletion finished: drop the environment's state and release its ports and domains.
    case forget

    public var description: String {
        switch self {
        case .recordSlots(let slots):
            return "record " + slots.map { "\($0.slot)=\($0.state)\($0.revision.map { "(r\($0))" } ?? "")" }.joined(separator: " ")
        case .createContainer(_, let spec): return "create \(spec.name) (\(spec.image)" + (spec.hostPort.map { ", port \($0))" } ?? ")")
        case .createService(let service, let spec): return "create service \(service) (\(spec.image))"
        case .removeVolume(let name): return "remove volume \(name) and its data"
        case .removeNetwork(let name): return "remove network \(name)"
        case .restoreService(let service, let backup, _, _, _): return "restore service \(service) from backup \(backup)"
        case .backupService(let service): return "back up service \(service) (scheduled)"
        case .replaceService(let service, _, let spec, _, _, _): return "replace service \(service) with \(spec.image) (backup first, undone if it does not answer)"
        case .startContainer(_, let name): return "start \(name)"
        case .stopContainer(_, let name, _, let reason): return "stop \(name): \(reason)"
        case .removeContainer(_, let name, _, let reason): return "remove \(name): \(reason)"
        case .retireContainer(_, let name, _, _, _, let reason): return "retire \(name) in the background: \(reason)"
        case .drain(let name, let wait): return "drain \(name): \(wait) for requests in flight"
        case .writeSite(let site): return "write site → " + (site.routes.first?.upstreams.map(\.description).joined(separator: ", ") ?? "-")
        case .removeSite: return "remove site"
        case .confirmTraffic(let site, _): return "confirm traffic → " + (site.routes.first?.upstreams.first?.description ?? "-")
        case .recordStatus(let status): return "status " + status.conditions.map { "\($0.kind.rawValue)=\($0.status)" }.joined(separator: " ")
        case .forget: return "forget environment"
        }
    }
}

/// What a pass should do, and when to look again even if nothing happens.
public struct Plan: Sendable, Hashable {
    public var actions: [Action]
    /// Look again after this long (health polling, grace deadline); nil waits for a trigger.
    public var requeueAfter: Duration?

    public init(actions: [Action] = [], requeueAfter: Duration? = nil) {
        self.actions = actions
        self.requeueAfter = requeueAfter
    }

    public var isEmpty: Bool { actions.isEmpty }
}
