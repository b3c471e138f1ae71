import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// Backing services in the plan: made before the first slot and waited for, replaced on the
/// same volume when their spec changes, their volumes removed only by a purge.
struct PlannerServicesTests {
    static let cache = ServiceSpec(name: try! ResourceName(parsing: "cache"), image: try! ImageReference(parsing: "redis:7"), port: try! Port(6379), volume: "/data")

    /// Revision 1 with a `cache` service, nothing running yet.
    static func fresh(_ services: [ServiceSpec] = [cache]) -> PlanInput {
        var state = Fixture.state(versions: [1])
        state.revisions[0].spec.services = services
        return PlanInput(state: state, now: Fixture.t0)
    }

    static func serviceContainer(_ service: ServiceSpec = cache, state: ContainerInfo.State = .running, id: String = "svc-cache") -> ContainerInfo {
        ContainerInfo(
            id: id, name: "shop-production-\(service.name)", image: service.image.description,
            labels: [ManagedLabels.managedBy: "codeb", ManagedLabels.team: "acme", ManagedLabels.project: "shop", ManagedLabels.environment: "production",
                     ManagedLabels.service: service.name.value, ManagedLabels.specHash: service.hash],
            state: state
        )
    }

    static func healthy(_ healthy: Bool) -> [String: ProbeResult] {
        ["cache": ProbeResult(healthy: healthy, status: nil, detail: healthy ? "TCP open" : "connection refused")]
    }

    @Test func theServiceIsCreatedFirstAndTheFirstSlotWaitsForItsConnection() throws {
        let first = Planner.plan(Self.fresh())
        let create = try #require(first.actions.compactMap { action -> ContainerSpec? in
            if case .createService("cache", let spec) = action { return spec } else { return nil }
        }.first)
        #expect(!first.actions.contains { if case .createContainer = $0 { true } else { false } }, "no slot before the service answers")
        #expect(!first.actions.contains { if case .recordSlots = $0 { true } else { false } })
        #expect(create.hostPort == nil, "never published")
        #expect(create.network == nil && create.privateNetwork == PrivateNetwork(name: "codeb-acme.shop.production", aliases: ["cache"]))
        #expect(create.volumes == [VolumeMount(volume: "codeb-acme.shop.production.cache", target: "/data")])
        #expect(first.requeueAfter == .milliseconds(250))
        let progressing = try #require(first.actions.compactMap { if case .recordStatus(let s) = $0 { s } else { nil } }.first?.condition(.progressing))
        #expect(progressing.reason == .waitingForServices)

        var refusing = Self.fresh()
        refusing.containers = [Self.serviceContainer()]
        refusing.serviceProbes = Self.healthy(false)
        let waiting = Planner.plan(refusing)
        #expect(!waiting.actions.contains { if case .createContainer = $0 { true } else { false } })
        #expect(waiting.actions.allSatisfy { if case .createService = $0 { false } else { true } }, "a running service is not made twice")

        var answering = refusing
        answering.serviceProbes = Self.healthy(true)
        let deploy = Planner.plan(answering)
        let slot = try #require(deploy.actions.compactMap { if case .createContainer(_, let spec) = $0 { spec } else { nil } }.first)
        #expect(slot.privateNetwork == PrivateNetwork(name: "codeb-acme.shop.production"), "the slot joins the environment's network")
        #expect(slot.network == "codeb-acme")
    }

    @Test func aSlotOfARevisionWithoutServicesStaysOffAnyPrivateNetwork() throws {
        let plan = Planner.plan(Self.fresh([]))
        let slot = try #require(plan.actions.compactMap { if case .createContainer(_, let spec) = $0 { spec } else { nil } }.first)
        #expect(slot.privateNetwork == nil)
    }

    @Test(arguments: [
        (ContainerInfo.State.exited, "start"),
        (ContainerInfo.State.running, "nothing"),
    ])
    func aLiveEnvironmentsServiceIsStartedWhenStopped(state: ContainerInfo.State, expected: String) throws {
        var input = Self.fresh()
        input.state.blue = Fixture.record(.blue, .active, revision: 1, version: 1, streak: 2)
        input.state.blue.hash = input.state.revisions[0].hash
        input.containers = [Self.serviceContainer(state: state)]
        input.serviceProbes = state == .running ? Self.healthy(true) : [:]
        let plan = Planner.plan(input)
        let starts = plan.actions.filter { if case .startContainer(_, "shop-production-cache") = $0 { true } else { false } }
        #expect(starts.count == (expected == "start" ? 1 : 0), "\(plan.actions)")
    }

    @Test func aChangedServiceIsReplacedOnTheSameVolumeAndARemovedOneKeepsItsVolume() throws {
        var changed = Self.cache
        changed.image = try ImageReference(parsing: "redis:7.2")
        var input = Self.fresh([changed])
        input.containers = [Self.serviceContainer()]
        let plan = Planner.plan(input)
        let replace = try #require(plan.actions.compactMap { action -> (String, ContainerSpec, Duration)? in
            if case .replaceService("cache", let old, let spec, 6379, _, let deadline) = action { return (old, spec, deadline) } else { return nil }
        }.first, "\(plan.actions)")
        #expect(replace.0 == "svc-cache" && replace.1.image == "redis:7.2")
        #expect(replace.2 == .seconds(10), "as long as the app's health check deadline")
        #expect(replace.1.volumes == [VolumeMount(volume: "codeb-acme.shop.production.cache", target: "/data")], "the same volume")
        #expect(!plan.actions.contains { if case .removeContainer = $0 { true } else { false } }, "the old one is kept until the new one answers")

        // The same change, once undone, is not tried again; the status says why.
        input.state.serviceFailures = ["cache": ServiceChangeFailure(hash: changed.hash, reason: "redis:7.2 exited with code 1 within 60s", at: Fixture.t0)]
        let undone = Planner.plan(input)
        #expect(!undone.actions.contains { if case .replaceService = $0 { true } else { false } })
        let degraded = try #require(undone.actions.compactMap { if case .recordStatus(let s) = $0 { s } else { nil } }.first?.condition(.degraded))
        #expect(degraded.reason == .serviceChangeFailed && degraded.message.contains("exited with code 1"))

        let dropped = Planner.plan({ var gone = Self.fresh([]); gone.containers = [Self.serviceContainer()]; return gone }())
        #expect(dropped.actions.contains { if case .removeContainer(_, "shop-production-cache", _, _) = $0 { true } else { false } })
        #expect(!dropped.actions.contains { if case .removeVolume = $0 { true } else { false } }, "data is never removed by a spec change")
    }

    @Test(arguments: [false, true])
    func deleteRemovesVolumesOnlyWhenPurged(purge: Bool) throws {
        var input = Self.fresh()
        input.state.deleting = true
        input.state.purgeData = purge ? true : nil
        input.containers = [Self.serviceContainer()]
        input.volumes = purge ? [VolumeInfo(name: "codeb-acme.shop.production.cache", labels: [:])] : []
        let plan = Planner.plan(input)
        let removeContainer = plan.actions.firstIndex { if case .removeContainer = $0 { true } else { false } }
        let removeVolume = plan.actions.firstIndex { if case .removeVolume("codeb-acme.shop.production.cache") = $0 { true } else { false } }
        let forget = plan.actions.firstIndex { if case .forget = $0 { true } else { false } }
        #expect(removeContainer != nil && forget != nil)
        let network = plan.actions.firstIndex { if case .removeNetwork("codeb-acme.shop.production") = $0 { true } else { false } }
        #expect(network != nil && removeContainer! < network! && network! < forget!, "its network is given back: \(plan.actions)")
        if purge {
            #expect(removeVolume != nil && removeContainer! < removeVolume! && removeVolume! < forget!, "\(plan.actions)")
        } else {
            #expect(removeVolume == nil)
        }
    }

    @Test func aServiceThatStopsAnsweringDegradesALiveEnvironment() throws {
        var input = Self.fresh()
        input.state.blue = Fixture.record(.blue, .active, revision: 1, version: 1, streak: 2)
        input.state.blue.hash = input.state.revisions[0].hash
        input.containers = [Self.serviceContainer()]
        input.serviceProbes = Self.healthy(false)
        let plan = Planner.plan(input)
        let degraded = try #require(plan.actions.compactMap { if case .recordStatus(let s) = $0 { s } else { nil } }.first?.condition(.degraded))
        #expect(degraded.status && degraded.reason == .serviceUnhealthy)
        #expect(plan.requeueAfter.map { $0 <= .seconds(2) } == true, "looked at again until it answers")
    }

    @Test(arguments: [
        (Double?.none, true, true),          // never backed up: now
        (Double?.some(3_600 * 25), true, true), // a day and an hour ago, every 24h: due
        (Double?.some(3_600), true, false),  // an hour ago: in 23 hours
        (Double?.none, false, false),        // not answering: not now
    ] as [(Double?, Bool, Bool)])
    func aScheduledBackupIsPlannedLastWhenDue(ago: Double?, healthy: Bool, due: Bool) throws {
        var cache = Self.cache
        cache.backup = BackupPolicy(every: .hours(24), keep: 7)
        var input = Self.fresh([cache])
        input.state.blue = Fixture.record(.blue, .active, revision: 1, version: 1, streak: 2)
        input.state.blue.hash = input.state.revisions[0].hash
        input.containers = [Self.serviceContainer(cache)]
        input.serviceProbes = Self.healthy(healthy)
        if let ago { input.lastBackups = ["cache": Fixture.t0.addingTimeInterval(-ago)] }
        let plan = Planner.plan(input)
        let backup = plan.actions.firstIndex { if case .backupService("cache") = $0 { true } else { false } }
        #expect((backup != nil) == due, "\(plan.actions)")
        if let backup { #expect(backup == plan.actions.count - 1, "last: a failing backup holds up nothing") }
        if !due, healthy, let ago {
            #expect(plan.requeueAfter == .seconds(Int64(24 * 3_600 - ago)), "looked at again when it is due")
        }
    }
}
