import State

/// Health answers decided by the test: `answer(port)` says whether what runs on that port is
/// healthy (e.g. by looking it up in a `FakeRuntime`).
public struct FakeProbe: HealthProbe {
    let answer: @Sendable (Int) -> Bool
    /// Whether a backing service at that address accepts connections (default: all do).
    let tcp: @Sendable (String, Int) -> Bool

    public init(_ answer: @escaping @Sendable (Int) -> Bool, tcp: @escaping @Sendable (String, Int) -> Bool = { _, _ in true }) {
        self.answer = answer
        self.tcp = tcp
    }

    public func probeTCP(host: String, port: Int, timeout: Duration) async -> ProbeResult {
        tcp(host, port) ? ProbeResult(healthy: true, status: nil, detail: "TCP \(host):\(port) open")
            : ProbeResult(healthy: false, status: nil, detail: "TCP \(host):\(port): connection refused")
    }

    public func probe(port: Int, path: String, timeout: Duration) async -> ProbeResult {
        answer(port) ? ProbeResult(healthy: true, status: 200, detail: "HTTP 200")
            : ProbeResult(healthy: false, status: 503, detail: "GET \(path) answered HTTP 503")
    }
}
