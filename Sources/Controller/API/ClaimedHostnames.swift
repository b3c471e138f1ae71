/// The hostnames environments claim, as Caddy's on-demand TLS asks about them on every
/// handshake for a name without a certificate: a storm of handshakes must not become a storm of
/// store reads. A claimed name is answered from what was read within `fresh`; a name not found is
/// looked up again only when that read is older than `recheck` (a domain applied a moment ago
/// is found at once, and unknown names cost at most one read per `recheck`). Concurrent askers
/// share one read. Holds one set of names: bounded by the environments there are.
actor ClaimedHostnames {
    let fresh: Duration
    let recheck: Duration
    private var names: Set<String> = []
    private var readAt: ContinuousClock.Instant?
    private var reading: Task<Set<String>, any Error>?

    init(fresh: Duration = .seconds(5), recheck: Duration = .milliseconds(250)) {
        self.fresh = fresh
        self.recheck = recheck
    }

    /// Whether `name` is claimed; `read` lists every claimed name.
    func contains(_ name: String?, read: @escaping @Sendable () async throws -> Set<String>) async throws -> Bool {
        // What is no hostname is no one's, and costs no read.
        guard let name else { return false }
        let age = readAt.map { $0.duration(to: .now) }
        if let age, age < fresh, names.contains(name) { return true }
        if let age, age < recheck { return false }
        let task = reading ?? Task { try await read() }
        reading = task
        // Only this read: a newer one another asker started meanwhile stays shared.
        defer { if reading == task { reading = nil } }
        let started = ContinuousClock.now
        names = try await task.value
        readAt = started
        return names.contains(name)
    }
}
