import Drivers
import Spec
import State

/// What each team may hold on this controller (the same limits for every team), from the
/// controller's settings; nil means no limit. Checked at apply: an environment over quota is
/// refused naming the quota and what the team uses.
public struct TeamQuota: Sendable, Hashable {
    /// Environments per kind (production, staging, preview), i.e. port pairs per range.
    public var environmentsPerRange: Int?
    /// The sum of `resources.memory` over the team's environments, each counted twice: during
    /// a rollout and while the previous slot stays warm for rollback, both slots run at once —
    /// plus each backing service's memory (once: a service is one container).
    public var memory: ByteSize?
    /// The sum of `resources.cpus` over the team's environments and their services.
    public var cpus: CPUCount?

    public init(environmentsPerRange: Int? = nil, memory: ByteSize? = nil, cpus: CPUCount? = nil) {
        self.environmentsPerRange = environmentsPerRange
        self.memory = memory
        self.cpus = cpus
    }

    public static let unlimited = TeamQuota()

    /// Blue and green: the memory quota counts both.
    static let slotsPerEnvironment: Int64 = 2

    /// Checks that `team` may hold `wanted` as `key`, given every environment of the store.
    /// `key` itself is counted with its wanted resources, not its current ones.
    func check(_ wanted: EnvironmentSpec, key: EnvironmentKey, team: ResourceName, environments: [EnvironmentState]) throws {
        guard self != .unlimited else { return }
        let mine = environments.filter { $0.team == team && $0.key != key && !$0.deleting }
        if let limit = environmentsPerRange {
            let kind = key.environment.kind
            let used = mine.filter { $0.key.environment.kind == kind }.count
            if used + 1 > limit {
                throw StoreError(.quotaExceeded, "team \(team) may hold \(limit) \(kind) environment\(limit == 1 ? "" : "s") and holds \(used); delete one first, or ask the operator to raise quota-environments")
            }
        }
        if let limit = memory {
            let used = mine.compactMap { $0.desired.map { Self.memory(of: $0.spec) } }.reduce(0, +)
            let asked = Self.memory(of: wanted)
            if used + asked > limit.bytes {
                let services = wanted.services.isEmpty ? "" : " and \(ByteSize(bytes: Self.serviceMemory(of: wanted))) for its services"
                throw StoreError(.quotaExceeded, "team \(team) may use \(limit) of memory in all and uses \(ByteSize(bytes: used)); this environment asks for \(ByteSize(bytes: asked)) (resources.memory \(wanted.template.resources.memory) for each of its 2 slots, which run at once during a rollout and the grace period\(services)): lower it, delete an environment, or ask the operator to raise quota-memory")
            }
        }
        if let limit = cpus {
            let used = mine.compactMap { $0.desired.map { Self.cpus(of: $0.spec) } }.reduce(0, +)
            let asked = Self.cpus(of: wanted)
            if used + asked > limit.nanoCPUs {
                let services = wanted.services.isEmpty ? "" : " with its services"
                throw StoreError(.quotaExceeded, "team \(team) may use \(limit) CPUs in all and uses \(Double(used) / 1e9); this environment asks for \(Double(asked) / 1e9)\(services) (resources.cpus): lower it, delete an environment, or ask the operator to raise quota-cpus")
            }
        }
    }

    static func serviceMemory(of spec: EnvironmentSpec) -> Int64 { spec.services.map(\.memory.bytes).reduce(0, +) }

    /// Both slots' memory and each service's.
    static func memory(of spec: EnvironmentSpec) -> Int64 {
        spec.template.resources.memory.bytes * slotsPerEnvironment + serviceMemory(of: spec)
    }

    static func cpus(of spec: EnvironmentSpec) -> Int64 {
        spec.template.resources.cpus.nanoCPUs + spec.services.map(\.cpus.nanoCPUs).reduce(0, +)
    }
}
