@testable import Drivers
import Foundation
import TestSupport
import Testing

extension DockerRuntimeTests {
    /// Every container codeb creates runs with a pids limit, no way to gain privileges and no
    /// raw sockets — read from the kernel inside the container, not only from `inspect`.
    @Test func everyContainerRunsWithAPidsLimitNoNewPrivilegesAndNoRawSockets() async throws {
        try await TestScope.run { scope in
            let bb = "/usr/bin/busybox"
            // What the kernel says of the container's first process, then 60 forks in a subshell
            // (the first failed one ends it; the sleeps it started live on), then — with shell
            // builtins, as no fork may be left — how many processes there are.
            let script = """
                \(bb) grep -E '^(CapBnd|NoNewPrivs):' /proc/self/status
                ( i=0; while [ $i -lt 60 ]; do \(bb) sleep 30 & i=$((i+1)); done ) 2>/dev/null
                n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo "processes: $n"
                \(bb) sleep 60
                """
            var spec = scope.webSpec("hardened", hostPort: FreePort.next(), command: [bb, "sh", "-c", script])
            spec.pidsLimit = 32
            let id = try await scope.docker.create(spec)
            try await scope.docker.start(id)
            let lines = try await eventually("the container's report", within: .seconds(30)) {
                let text = try await scope.docker.logs(id, tail: nil).map(\.text)
                return text.contains { $0.hasPrefix("processes:") } ? text : nil
            }
            let status = Dictionary(lines.compactMap { line -> (String, String)? in
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }, uniquingKeysWith: { first, _ in first })
            #expect(status["NoNewPrivs"] == "1", "no-new-privileges: \(lines)")
            let bounding = try #require(status["CapBnd"].flatMap { UInt64($0, radix: 16) }, "\(lines)")
            let netRaw: UInt64 = 1 << 13
            #expect(bounding & netRaw == 0, "NET_RAW is not in the bounding set: \(String(bounding, radix: 16))")
            #expect(bounding & (1 << 10) != 0, "NET_BIND_SERVICE, one of Docker's defaults, still is")
            let processes = try #require(status["processes"].flatMap { Int($0) }, "\(lines)")
            #expect(processes <= 32, "60 forks stopped at the limit: \(processes) processes")

            let inspected = try #require(try await scope.docker.inspect(id))
            #expect(inspected.pidsLimit == 32)
            #expect(inspected.securityOptions == ["no-new-privileges:true"])
            #expect(inspected.droppedCapabilities == ["NET_RAW"])
        }
    }
}
