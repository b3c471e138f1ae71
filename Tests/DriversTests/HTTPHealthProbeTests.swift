import Drivers
import State
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct HTTPHealthProbeTests {
    @Test func aServingContainerIsHealthyAndA404IsNot() async throws {
        try await TestScope.run { scope in
            let port = FreePort.next()
            try await scope.docker.start(try await scope.docker.create(scope.webSpec("probe", hostPort: port)))
            let probe = HTTPHealthProbe()
            let healthy = try await eventually("a healthy probe") { () -> ProbeResult? in
                let result = await probe.probe(port: port, path: "/health", timeout: .seconds(1))
                return result.healthy ? result : nil
            }
            #expect(healthy.status == 200)
            let missing = await probe.probe(port: port, path: "/missing", timeout: .seconds(1))
            #expect(missing.healthy == false)
            #expect(missing.status == 404)
        }
    }

    @Test func aClosedPortIsUnhealthyWithAReason() async {
        let result = await HTTPHealthProbe().probe(port: FreePort.next(), path: "/health", timeout: .seconds(1))
        #expect(result.healthy == false)
        #expect(result.status == nil)
        #expect(result.detail.contains("/health"))
    }
}
