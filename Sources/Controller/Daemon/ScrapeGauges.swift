import Drivers
import Metrics
import State
import Synchronization

/// Gauges counted from the store when `/metrics` is scraped: `codeb_slots{team,state}` and
/// `codeb_leases_held`. A team that no longer has a slot in a state is reported as 0 (a gauge
/// keeps its last value otherwise).
final class ScrapeGauges: Sendable {
    private let reported = Mutex<Set<[String]>>([])
    private let store: any Store
    private let postgres: PostgresStore?

    init(store: any Store, postgres: PostgresStore?) {
        self.store = store
        self.postgres = postgres
    }

    func record() async {
        var counts: [[String]: Int] = [:]
        let keys = (try? await store.keys()) ?? []
        for key in keys {
            guard let state = try? await store.load(key) else { continue }
            for slot in state.slots where slot.state != .empty {
                counts[[state.team.value, slot.state.rawValue], default: 0] += 1
            }
        }
        let stale = reported.withLock { reported in
            defer { reported = Set(counts.keys) }
            return reported.subtracting(counts.keys)
        }
        for labels in stale { Gauge(label: MetricFamily.slots.name, dimensions: [("team", labels[0]), ("state", labels[1])]).record(0) }
        for (labels, count) in counts { Gauge(label: MetricFamily.slots.name, dimensions: [("team", labels[0]), ("state", labels[1])]).record(count) }
        // One controller alone holds every environment; with PostgreSQL, the leases it renews.
        Gauge(label: MetricFamily.leasesHeld.name).record(postgres?.leasesHeld ?? keys.count)
    }
}
