import Drivers
import Foundation
import Logging
import Metrics
import Spec
import State

/// Removes what codeb made and no longer knows: managed containers of this node and this store
/// whose environment the store does not hold (deleted while the controller was down, left by a
/// crash), managed site files likewise, and team networks no container has used for as long.
///
/// Containers and sites go only after they have been seen orphaned for `delay` (default 10 min),
/// so a store being restored from a backup does not lose its containers. Containers of another
/// store (another controller sharing the Docker host) or without codeb's labels are never touched.
public actor OrphanSweeper {
    public let store: any Store
    public let runtime: any ContainerRuntime
    public let router: any TrafficRouter
    public let node: NodeName
    public let delay: Duration
    let time: any TimeSource
    let events: EventFeed?
    let logger: Logger
    /// When each orphan (container ID, or `site:` + key) was first seen.
    private var firstSeen: [String: Date] = [:]

    public init(
        store: any Store, runtime: any ContainerRuntime, router: any TrafficRouter, node: NodeName, delay: Duration = .seconds(600),
        time: any TimeSource = SystemTime(), events: EventFeed? = nil, logger: Logger = Logger(label: "codeb.sweep")
    ) {
        self.store = store
        self.runtime = runtime
        self.router = router
        self.node = node
        self.delay = delay
        self.time = time
        self.events = events
        self.logger = logger
    }

    /// What one sweep removed.
    public struct Report: Sendable, Hashable {
        public var containers: [String] = []
        public var sites: [EnvironmentKey] = []
        public var networks: [String] = []
        /// Orphans seen but still inside the safety delay.
        public var waiting = 0
    }

    /// One sweep; call it periodically.
    @discardableResult
    public func sweep() async throws -> Report {
        let known = Set(try await store.keys())
        let storeID = try await store.identity()
        let now = time.now()
        let seconds = delay.inSeconds
        var report = Report()
        var seen: Set<String> = []
        let all = try await runtime.listManaged()

        for container in all where container.labels[ManagedLabels.store] == storeID && ManagedLabels.belongs(container.labels, to: node.value) {
            let key = ManagedLabels.key(container.labels)
            if let key, known.contains(key) { continue }
            seen.insert(container.id)
            guard due(container.id, now, seconds) else { report.waiting += 1; continue }
            do {
                try await runtime.stop(container.id, timeout: .seconds(10))
            } catch let error as RuntimeError where error.kind == .notFound {
                continue
            }
            try await runtime.remove(container.id)
            report.containers.append(container.name)
            announce(key, "removed orphan container \(container.name): its environment is not in the store")
        }

        for site in try await router.listSites() where !known.contains(site.key) {
            let id = "site:\(site.key)"
            seen.insert(id)
            guard due(id, now, seconds) else { report.waiting += 1; continue }
            _ = try await router.apply([.remove(site.key)])
            report.sites.append(site.key)
            announce(site.key, "removed orphan site file \(site.path): its environment is not in the store")
        }
        // A team network goes once no container of that team (any state, any store) has been
        // left for the delay: a created or stopped container still attached would not start
        // without it, and a controller may be creating one right now. An environment's private
        // network likewise, once none of its containers is left.
        let used = Set(all.flatMap { container -> [String] in
            guard let team = container.labels[ManagedLabels.team] else { return [] }
            return [ManagedLabels.network(of: team)] + (ManagedLabels.key(container.labels).map { [ManagedLabels.network(of: team, $0)] } ?? [])
        })
        for network in try await runtime.managedNetworks() where !used.contains(network) {
            let id = "network:\(network)"
            seen.insert(id)
            guard due(id, now, seconds) else { continue }
            try await runtime.removeNetwork(network)
            report.networks.append(network)
            logger.info("removed unused network", metadata: ["network": "\(network)"])
        }
        firstSeen = firstSeen.filter { seen.contains($0.key) }
        return report
    }

    /// Whether `id`, first seen orphaned at some moment, has waited out the delay.
    private func due(_ id: String, _ now: Date, _ seconds: Double) -> Bool {
        let first = firstSeen[id] ?? now
        firstSeen[id] = first
        return now.timeIntervalSince(first) >= seconds
    }

    private func announce(_ key: EnvironmentKey?, _ message: String) {
        Counter(label: MetricFamily.orphansRemovedTotal.name).increment()
        logger.warning("\(message)", metadata: key.map { ["project": "\($0.project)", "environment": "\($0.environment)"] } ?? [:])
        if let key { events?.record(ControllerEvent(time: time.now(), key: key, level: .warning, message: message)) }
    }
}
