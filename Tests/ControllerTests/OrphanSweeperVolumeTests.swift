import Controller
import Foundation
import Spec
import State
import Testing
import TestSupport

/// The orphan sweep removes what codeb made and no longer knows — never a volume: a backing
/// service's data outlives its environment's record until a person purges it.
struct OrphanSweeperVolumeTests {
    @Test func anOrphanedServiceContainerGoesAndItsVolumeStays() async throws {
        let store = MemoryStore(), runtime = FakeRuntime()
        let identity = try await store.identity()
        let volume = "codeb-acme.gone.production.db"
        _ = try await runtime.create(ContainerSpec(
            name: "gone-production-db", image: "postgres:16",
            labels: [ManagedLabels.team: "acme", ManagedLabels.project: "gone", ManagedLabels.environment: "production",
                     ManagedLabels.service: "db", ManagedLabels.store: identity],
            containerPort: 5432, hostPort: nil, memoryBytes: 256 << 20, nanoCPUs: 500_000_000,
            volumes: [VolumeMount(volume: volume, target: "/var/lib/postgresql/data")]
        ))
        let sweeper = OrphanSweeper(store: store, runtime: runtime, router: FakeRouter(), node: .local, delay: .zero)
        let report = try await sweeper.sweep()
        #expect(report.containers.count == 1, "the environment is not in the store: its container goes")
        #expect(runtime.containers.isEmpty)
        #expect(runtime.volumes[volume] != nil, "its data stays")
    }
}
