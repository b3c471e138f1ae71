/// The limits a slot's container runs under.
public struct Resources: Sendable, Hashable, Codable {
    /// Docker refuses less than 6 MiB.
    public static let minimumMemory = ByteSize.megabytes(6)
    public static let defaultMemory = ByteSize.megabytes(512)
    public static let defaultCPUs = CPUCount(millicpus: 1000)
    /// Processes and threads a container may hold: enough for any web server's workers, not
    /// enough for a fork bomb to starve the host (and every other team) of pids.
    public static let defaultPids = 1024
    public static let pidsRange = 16...65536

    public var memory: ByteSize
    public var cpus: CPUCount
    public var pids: Int

    public init(memory: ByteSize = Resources.defaultMemory, cpus: CPUCount = Resources.defaultCPUs, pids: Int = Resources.defaultPids) {
        self.memory = memory
        self.cpus = cpus
        self.pids = pids
    }

    private enum CodingKeys: String, CodingKey { case memory, cpus, pids }

    /// Revisions stored before `pids` existed decode with the default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        memory = try container.decode(ByteSize.self, forKey: .memory)
        cpus = try container.decode(CPUCount.self, forKey: .cpus)
        pids = try container.decodeIfPresent(Int.self, forKey: .pids) ?? Resources.defaultPids
    }
}
