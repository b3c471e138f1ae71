import Controller
import Drivers
import Foundation
import Glibc
import Spec
import State
import TestSupport
import Testing

/// A rollout that fails names its cause, on the real engine: the port another process holds,
/// the code the container exited with, the memory it ran out of.
extension EndToEndTests {
    @Test func aPortHeldByAnotherProcessFailsTheRolloutNamingThePort() async throws {
        try await Self.run { world in
            let port = TestPorts.firstProduction.blue
            let holder = try Loopback.listen(port: port).get()
            defer { close(holder) }
            try await world.apply(1, deadline: "10s")
            try await world.converge("rollout failed") { await world.state()?.blue.state == .failed }
            let state = try #require(await world.state())
            #expect(state.blue.failureReason == .portInUse)
            #expect(state.blue.failure?.contains("port \(port) is in use by another process") == true, "\(state.blue.failure ?? "-")")
            #expect(state.status.condition(.degraded)?.reason == .portInUse)
        }
    }

    @Test func aContainerThatExitsFailsTheRolloutWithItsExitCode() async throws {
        try await Self.run { world in
            // The engine restarts it with a growing delay; passes see it between runs. A deadline
            // a loaded machine still starts the container well within.
            try await world.apply(1, deadline: "10s", command: #"["/usr/bin/busybox", "sh", "-c", "exit 3"]"#)
            try await world.converge("rollout failed") { await world.state()?.blue.state == .failed }
            let state = try #require(await world.state())
            #expect(state.blue.failureReason == .containerExited)
            #expect(state.blue.failure?.contains("the container exited with code 3") == true, "\(state.blue.failure ?? "-")")
        }
    }

    @Test func aContainerOverItsMemoryLimitFailsTheRolloutAsOOMKilled() async throws {
        try await Self.run { world in
            // dd's 64 MiB buffer in a 16 MiB container (this host has no swap).
            try await world.apply(1, deadline: "10s", command: #"["/usr/bin/busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=4"]"#, memory: "16m")
            try await world.converge("rollout failed") { await world.state()?.blue.state == .failed }
            let state = try #require(await world.state())
            #expect(state.blue.failureReason == .oomKilled, "\(state.blue.failure ?? "-")")
            #expect(state.blue.failure?.contains("killed for running out of memory (memory limit 16m)") == true, "\(state.blue.failure ?? "-")")
        }
    }
}
