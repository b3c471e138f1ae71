import Drivers
import Foundation
import Metrics
import State

/// The managed containers of the host as last seen, shared by every pass: one list, then kept
/// current by the engine's events and by what the executor itself did (controller-runtime's
/// informer cache). A pass reads it instead of listing every container, so an idle resync of
/// N environments costs no engine call at all instead of N lists. It lists again every
/// `relistEvery`, after the event stream was broken (dockerd restarted: events lost), and
/// whenever an update could not be made (an inspect failed).
public actor ContainerCache {
    let base: any ContainerRuntime
    let relistEvery: Duration
    private var containers: [String: ContainerInfo] = [:] {
        didSet { indexed = nil }
    }
    /// Container IDs by project and environment, built on the first read after a change.
    private var indexed: [EnvironmentLabels: [String]]?
    private var listedAt: ContinuousClock.Instant?
    private var listing: Task<[ContainerInfo], any Error>?
    /// Bumped by every change, so a list that started before a change does not overwrite it.
    private var epoch = 0

    public init(base: any ContainerRuntime, relistEvery: Duration = .seconds(300)) {
        self.base = base
        self.relistEvery = relistEvery
    }

    /// Every managed container, from the cache (listed first when stale).
    public func all() async throws -> [ContainerInfo] {
        if let listedAt, ContinuousClock.now - listedAt < relistEvery { return Array(containers.values) }
        return try await relist()
    }

    /// The containers of one project and environment, from the index.
    public func containers(project: String, environment: String) async throws -> [ContainerInfo] {
        let fresh = listedAt.map { ContinuousClock.now - $0 < relistEvery } ?? false
        if !fresh {
            let listed = try await relist()
            // A change came in while listing, so the list was not taken: answer from it alone.
            if listedAt == nil {
                return listed.filter { $0.isOf(project: project, environment: environment) }
            }
        }
        if indexed == nil {
            var index: [EnvironmentLabels: [String]] = [:]
            for (id, info) in containers {
                index[EnvironmentLabels(project: info.labels[ManagedLabels.project] ?? "", environment: info.labels[ManagedLabels.environment] ?? ""), default: []].append(id)
            }
            indexed = index
        }
        return (indexed?[EnvironmentLabels(project: project, environment: environment)] ?? []).compactMap { containers[$0] }
    }

    private struct EnvironmentLabels: Hashable {
        var project: String
        var environment: String
    }

    /// Lists once for every caller waiting at the same moment.
    private func relist() async throws -> [ContainerInfo] {
        if let listing { return try await listing.value }
        let started = epoch
        let task = Task { [base] in try await base.listManaged() }
        listing = task
        defer { listing = nil }
        let listed = try await task.value
        Counter(label: MetricFamily.containerRelistsTotal.name).increment()
        // Changes seen while listing are newer than the list; take the list only if none came.
        if epoch == started {
            containers = Dictionary(listed.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
            listedAt = .now
        } else {
            listedAt = nil
        }
        return listed
    }

    /// Looks at one container again (after the executor changed it, or an event named it).
    func refresh(_ id: String) async {
        epoch += 1
        do {
            if let info = try await base.inspect(id), info.isManaged {
                containers[info.id] = info
            } else {
                forget(id)
            }
        } catch {
            // Unknown now: the next read lists everything again.
            listedAt = nil
        }
    }

    /// Takes what an inspect said.
    func store(_ info: ContainerInfo) {
        epoch += 1
        if info.isManaged { containers[info.id] = info }
    }

    /// Drops a container (removed), by ID or name.
    func forget(_ idOrName: String) {
        epoch += 1
        containers = containers.filter { $0.key != idOrName && $0.value.name != idOrName && $0.value.name != "/" + idOrName }
    }

    /// Makes the next read list everything again.
    func invalidate() {
        epoch += 1
        listedAt = nil
    }

    /// What an event means for the cache.
    func observe(_ event: ContainerEvent) async {
        if event.isResumed { return invalidate() }
        switch event.kind {
        case "destroy": forget(event.containerID)
        // A health check's exec changes nothing the planner reads; its result comes as health_status.
        case let kind where kind.hasPrefix("exec_"): break
        default: await refresh(event.containerID)
        }
    }
}
