import State

/// Health answers decided by the test: `answer(port)` says whether what runs on that port is
/// healthy (e.g. by looking it up in a `FakeRuntime`).
public struct FakeProbe: HealthProbe {
    let answer: @Sendable (Int) -> Bool

    public init(_ answer: @escaping @Sendable (Int) -> Bool) {
        self.answer = answer
    }

    public func probe(port: Int, path: String, timeout: Duration) async -> ProbeResult {
        answer(port) ? ProbeResult(healthy: true, status: 200, detail: "HTTP 200")
            : ProbeResult(healthy: false, status: 503, detail: "GET \(path) answered HTTP 503")
    }
}
