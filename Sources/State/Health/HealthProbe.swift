/// Asks a slot whether it is healthy. `HTTPHealthProbe` is the real implementation.
public protocol HealthProbe: Sendable {
    /// One probe of `http://127.0.0.1:{port}{path}` bounded by `timeout`.
    func probe(port: Int, path: String, timeout: Duration) async -> ProbeResult

    /// Whether a TCP connection to `host:port` opens within `timeout` (a backing service's
    /// check: a database or cache speaks no HTTP).
    func probeTCP(host: String, port: Int, timeout: Duration) async -> ProbeResult
}

/// The outcome of one probe.
public struct ProbeResult: Sendable, Hashable, Codable {
    public var healthy: Bool
    /// The HTTP status, when the slot answered.
    public var status: Int?
    /// Why the probe failed, in a sentence for the rollout's status.
    public var detail: String

    public init(healthy: Bool, status: Int?, detail: String) {
        self.healthy = healthy
        self.status = status
        self.detail = detail
    }
}
