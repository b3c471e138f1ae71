/// The limits a slot's container runs under.
public struct Resources: Sendable, Hashable, Codable {
    /// Docker refuses less than 6 MiB.
    public static let minimumMemory = ByteSize.megabytes(6)
    public static let defaultMemory = ByteSize.megabytes(512)
    public static let defaultCPUs = CPUCount(millicpus: 1000)

    public var memory: ByteSize
    public var cpus: CPUCount

    public init(memory: ByteSize = Resources.defaultMemory, cpus: CPUCount = Resources.defaultCPUs) {
        self.memory = memory
        self.cpus = cpus
    }
}
