import AsyncHTTPClient
import Dispatch
import Metrics
import NIOCore
import NIOPosix
import State

/// Probes over HTTP on loopback: 2xx and 3xx are healthy (redirects are answers, not followed);
/// anything else, a refused connection or a timeout is not.
public struct HTTPHealthProbe: HealthProbe {
    public var host: String

    public init(host: String = "127.0.0.1") {
        self.host = host
    }

    public func probe(port: Int, path: String, timeout: Duration) async -> ProbeResult {
        let started = DispatchTime.now().uptimeNanoseconds
        let result = await ask(port: port, path: path, timeout: timeout)
        // `no_answer`: refused or timed out; `unhealthy`: an answer outside 2xx/3xx.
        let outcome = result.healthy ? "healthy" : result.status == nil ? "no_answer" : "unhealthy"
        Timer(label: MetricFamily.probeSeconds.name, dimensions: [("result", outcome)])
            .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
        return result
    }

    public func probeTCP(host: String, port: Int, timeout: Duration) async -> ProbeResult {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: host, port: port).get()
            try? await channel.close()
            return ProbeResult(healthy: true, status: nil, detail: "TCP \(host):\(port) open")
        } catch {
            return ProbeResult(healthy: false, status: nil, detail: "TCP \(host):\(port): \(error)")
        }
    }

    private func ask(port: Int, path: String, timeout: Duration) async -> ProbeResult {
        var request = HTTPClientRequest(url: "http://\(host):\(port)\(path)")
        request.headers.replaceOrAdd(name: "User-Agent", value: "codeb-health-probe")
        do {
            let response = try await DriverHTTP.probeClient.execute(request, timeout: TimeAmount(timeout))
            // Drain (bounded) so the connection can be reused; the content does not matter.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let code = Int(response.status.code)
            let healthy = (200..<400).contains(code)
            return ProbeResult(healthy: healthy, status: code, detail: healthy ? "HTTP \(code)" : "GET \(path) answered HTTP \(code)")
        } catch {
            return ProbeResult(healthy: false, status: nil, detail: "GET \(path) on port \(port) failed: \(error)")
        }
    }
}
