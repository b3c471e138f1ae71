import Controller
import Drivers
import Foundation
import Spec
import State
import TestSupport

/// 2c. Two nodes sharing one PostgreSQL: 700 environments placed on each (`nodes: [node-a]` /
/// `[node-b]`), planned into one store through the same port ranges — which the nodes reuse —
/// and converged by two controllers at once, each with its own Caddy and leases.
///
/// Both "hosts" are this machine: node-a publishes on 127.0.0.1 and node-b on 127.0.0.2
/// (`--publish-address`), so the same port numbers can be bound twice, as on two hosts. Each
/// node's environments belong to a team of their own: one dockerd puts a team's containers on
/// one bridge, and a Linux bridge takes at most 1,024 ports ("exchange full" past that).
enum TwoNodeBench {
    struct Node {
        let name: NodeName
        let store: PostgresStore
        let task: Task<Void, Never>
        let reconciler: Reconciler
        let counters: Counters
        let caddy: CaddyInstance
        var keys: [EnvironmentKey] = []
    }

    static func run(environmentsPerNode: Int) async throws {
        let database = try await TestDatabase.create()
        try await CaddyInstance.run { caddyA in
            try await CaddyInstance.run { caddyB in
                var nodes = [
                    try await start("node-a", address: "127.0.0.1", database, caddyA),
                    try await start("node-b", address: "127.0.0.2", database, caddyB),
                ]
                defer { for node in nodes { node.store.stop() } }
                do {
                    try await measure(&nodes, environmentsPerNode: environmentsPerNode)
                } catch {
                    await ControllerBench.removeContainers(of: nodes.flatMap(\.keys))
                    throw error
                }
                await ControllerBench.removeContainers(of: nodes.flatMap(\.keys))
                for node in nodes { node.store.stop(); await node.task.value }
            }
        }
        await database.drop()
    }

    static func start(_ name: String, address: String, _ database: TestDatabase, _ caddy: CaddyInstance) async throws -> Node {
        let node = try NodeName(parsing: name)
        let store = PostgresStore(database: PostgresDatabase(url: database.url, deadline: .seconds(60)), node: node)
        let task = Task { await store.run() }
        try await store.migrate()
        let counters = Counters()
        let reconciler = Reconciler(
            store: store, runtime: ControllerBench.cachedRuntime(DockerRuntime(), counters),
            router: CountingRouter(base: caddy.router(), counters: counters), probe: HTTPHealthProbe(host: address),
            leases: store, publishAddress: address
        )
        return Node(name: node, store: store, task: task, reconciler: reconciler, counters: counters, caddy: caddy)
    }

    static func measure(_ nodes: inout [Node], environmentsPerNode: Int) async throws {
        // Three ports an environment and a few to spare: room for one node's environments, not two.
        let ranges = PortRanges(production: 10000...(10000 + environmentsPerNode * 3 + 99), staging: 30000...30999, preview: 31000...31999)
        let operations = StateOperations(store: nodes[0].store, ports: ranges)
        let prefix = "two" + UUID().uuidString.prefix(4).lowercased()
        var applies: [Double] = []
        for index in 0..<environmentsPerNode {
            for n in nodes.indices {
                let spec = try ControllerBench.benchSpec(
                    project: "\(prefix)-\(n)-\(index)", version: 1 + index % 2, memory: "16m", node: nodes[n].name.value, team: "bench-\(n)"
                )
                let start = ContinuousClock.now
                try await operations.apply(spec, environment: .production, author: "bench")
                applies.append(seconds(ContinuousClock.now - start))
                nodes[n].keys.append(EnvironmentKey(project: spec.project, environment: .production))
            }
        }
        var portsByNode: [Set<Int>] = []
        for node in nodes {
            var ports = Set<Int>()
            for key in node.keys { ports.formUnion(try await node.store.load(key)?.ports.all ?? []) }
            portsByNode.append(ports)
        }
        let shared = portsByNode[0].intersection(portsByNode[1]).count
        let apply = Stats(applies)

        // Both controllers converge their own environments at once.
        let converging = nodes
        let times = try await withThrowingTaskGroup(of: (Int, Double).self) { group in
            for (n, node) in converging.enumerated() {
                group.addTask { (n, try await ControllerBench.converge(node.keys, node.reconciler, node.counters)) }
            }
            var times = [Double](repeating: 0, count: converging.count)
            for try await (n, time) in group { times[n] = time }
            return times
        }
        let docker = DockerRuntime()
        let all = try await docker.listManaged().filter { ($0.labels[ManagedLabels.project] ?? "").hasPrefix(prefix) && $0.state == .running }
        print("2c. two nodes sharing one PostgreSQL: \(environmentsPerNode) environments placed on each (node-a publishes on 127.0.0.1, node-b on 127.0.0.2; one dockerd)")
        print("   " + apply.line("apply through one store (PostgreSQL), each of \(environmentsPerNode * 2)"))
        print("   production range \(ranges.production.lowerBound)–\(ranges.production.upperBound) (\(ranges.production.count) ports, room for one node's environments): " +
              "node-a holds \(portsByNode[0].count) ports, node-b \(portsByNode[1].count), \(shared) of them the same numbers")
        for (n, node) in nodes.enumerated() {
            let mine = all.filter { $0.labels[ManagedLabels.node] == node.name.value }
            let failed = node.counters.values.withLock { $0.failedPasses }
            print(String(format: "   %@: converged from nothing in %.1f s (4 workers, %d failed passes retried, both nodes at once); %d running containers labelled for it",
                         node.name.value, times[n], failed, mine.count))
        }
        for node in nodes {
            _ = node.counters.reset()
            var cpu: [Double] = []
            for _ in 0..<5 {
                let start = processCPUSeconds()
                for key in node.keys { _ = try await node.reconciler.reconcile(key) }
                cpu.append(processCPUSeconds() - start)
            }
            let calls = node.counters.reset()
            print("   " + Stats(cpu).line("\(node.name.value): controller CPU per no-op pass over its \(node.keys.count)") +
                  String(format: " — per pass: Docker calls %d (lists %d), writes %d, reloads %d", (calls.dockerReads + calls.dockerWrites) / 5,
                         calls.containerLists / 5, (calls.dockerWrites + calls.storeWrites + calls.siteApplies) / 5, calls.reloads / 5))
        }
        for node in nodes {
            guard let key = node.keys.first else { continue }
            let answer = (try? await node.caddy.get("\(key.project).test")).map { "HTTP \($0.status)" } ?? "no answer"
            print("   \(node.name.value)'s Caddy serves \(key.project).test: \(answer)")
        }
        print("")
    }
}
