
import Drivers
import Foundation
import Planning
import Spec
import State

/// Builders for planner tables: an environment `shop/production` on ports 4100/4101 whose
/// revision N runs `codeb-test/web:N`.
public enum Fixture {
    public static let key = EnvironmentKey(project: try! ResourceName(parsing: "shop"), environment: .production)
    public static let ports = PortPair(blue: 4100)
    public static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    public static func spec(_ version: Int, promote: PromotePolicy = .auto, grace: SpecDuration = .hours(1)) -> EnvironmentSpec {
        EnvironmentSpec(
            name: .production,
            template: SlotTemplate(
                image: try! ImageReference(parsing: "codeb-test/web:\(version)"),
                port: try! Port(8080),
                healthcheck: Healthcheck(interval: .seconds(1), timeout: .seconds(1), healthyThreshold: 2, deadline: .seconds(10))
            ),
            domains: [try! Hostname(parsing: "shop.test")],
            promote: promote, grace: grace, stopTimeout: .seconds(5)
        )
    }

    /// Revisions 1…n, revision i running version `versions[i-1]`.
    public static func state(versions: [Int], promote: PromotePolicy = .auto, grace: SpecDuration = .hours(1)) -> EnvironmentState {
        var state = EnvironmentState(key: key, team: try! ResourceName(parsing: "acme"), ports: ports)
        for (index, version) in versions.enumerated() {
            state.revisions.append(Revision(number: index + 1, spec: spec(version, promote: promote, grace: grace), source: .apply, author: "test", createdAt: t0))
        }
        return state
    }

    /// Hashes of versions 0…9, computed once (hashing is the costly part of a simulated pass).
    public static let hashes = (0...9).map { spec($0).template.hash }

    public static func hash(_ version: Int) -> String { hashes[version] }

    public static func record(_ slot: SlotName, _ state: SlotState, revision: Int, version: Int, streak: Int = 0,
                       deployedAt: Date = t0, graceUntil: Date? = nil, failure: String? = nil) -> SlotRecord {
        SlotRecord(slot: slot, state: state, revision: revision, hash: hash(version), port: ports.port(for: slot),
                   healthyStreak: streak, deployedAt: deployedAt, promotedAt: state == .active ? t0 : nil,
                   graceUntil: graceUntil, failure: failure)
    }

    public static func container(_ slot: SlotName, version: Int, state: ContainerInfo.State = .running, name: String? = nil, id: String? = nil) -> ContainerInfo {
        ContainerInfo(
            id: id ?? "\(slot)-v\(version)", name: name ?? "shop-production-\(slot)", image: "codeb-test/web:\(version)",
            labels: [ManagedLabels.managedBy: "codeb", ManagedLabels.project: "shop", ManagedLabels.environment: "production",
                     ManagedLabels.slot: slot.rawValue, ManagedLabels.specHash: hash(version)],
            state: state
        )
    }

    /// The site file as codeb would have written it for these upstream ports.
    public static func site(_ upstreams: [Int], revision: Int, version: Int) -> ManagedSite {
        let config = SiteConfig(key: key, revision: revision, hash: hash(version),
                                routes: [SiteRoute(domains: [try! Hostname(parsing: "shop.test")], upstreams: upstreams.map { Upstream(port: $0) })])
        let content = CaddySiteRenderer().render(config)
        return ManagedSite(key: key, revision: revision, hash: hash(version), path: "/sites/shop-production.caddy", content: content, config: config, intact: true)
    }

    /// `config` as found on disk, written intact.
    public static func observedSite(_ config: SiteConfig) -> ManagedSite {
        ManagedSite(key: config.key, revision: config.revision, hash: config.hash, path: "/sites/\(config.key.stem).caddy",
                    content: CaddySiteRenderer().render(config), config: config, intact: true)
    }

    /// Revision 2 live on green since t0 and baking for 5 minutes; revision 1 warm on blue.
    public static func baking(_ policy: BakePolicy, now: Date = t0.addingTimeInterval(2), grace: Bool = true) -> PlanInput {
        var state = state(versions: [1, 2])
        state.revisions[1].spec.bake = policy
        state.green = record(.green, .active, revision: 2, version: 2, streak: 2)
        state.green.bakeUntil = t0.addingTimeInterval(300)
        var containers = [container(.green, version: 2)]
        if grace {
            state.blue = record(.blue, .grace, revision: 1, version: 1, streak: 2, graceUntil: t0.addingTimeInterval(3600))
            containers.append(container(.blue, version: 1))
        }
        var input = PlanInput(state: state, containers: containers, site: site(grace ? [4101, 4100] : [4101], revision: 2, version: 2), now: now)
        input.probes = [.green: healthy()]
        for case .recordStatus(let status) in Planner.plan(input).actions { input.state.status = status }
        input.probes = [:]
        return input
    }

    public static func healthy() -> ProbeResult { ProbeResult(healthy: true, status: 200, detail: "HTTP 200") }
    public static func unhealthy() -> ProbeResult { ProbeResult(healthy: false, status: 503, detail: "GET /health answered HTTP 503") }
}

extension Plan {
    /// Actions without the status record, which most rows do not care about.
    public var work: [Action] {
        actions.filter { if case .recordStatus = $0 { return false } else { return true } }
    }

    public func index(where predicate: (Action) -> Bool) -> Int? { actions.firstIndex(where: predicate) }

    public var recordedSlots: [SlotRecord] {
        actions.flatMap { if case .recordSlots(let slots) = $0 { return slots } else { return [] } }
    }

    public func recorded(_ slot: SlotName) -> SlotRecord? { recordedSlots.last { $0.slot == slot } }

    public var sites: [SiteConfig] {
        actions.compactMap { if case .writeSite(let site) = $0 { return site } else { return nil } }
    }

    public var creates: [ContainerSpec] {
        actions.compactMap { if case .createContainer(_, let spec) = $0 { return spec } else { return nil } }
    }

    public var removedIDs: [String] {
        actions.compactMap { if case .removeContainer(let id, _, _, _) = $0 { return id } else { return nil } }
    }

    public var stoppedIDs: [String] {
        actions.compactMap { if case .stopContainer(let id, _, _, _) = $0 { return id } else { return nil } }
    }

    public var startedIDs: [String] {
        actions.compactMap { if case .startContainer(let id, _) = $0 { return id } else { return nil } }
    }

    public var upstreams: [Int]? { sites.last?.routes.first?.upstreams.map(\.port) }
}
