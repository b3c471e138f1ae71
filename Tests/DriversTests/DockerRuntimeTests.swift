@testable import Drivers
import Foundation
import State
import TestSupport
import TestTraits
import Testing

/// Against the real dockerd that `.ci/setup` starts. No test here is skipped: without dockerd
/// they fail, which is what CI must do.
@Suite(.timeLimit(.minutes(2)), .cleansUp)
struct DockerRuntimeTests {
    @Test func pingReportsAnEngineThatSpeaksThePinnedAPI() async throws {
        let info = try await DockerRuntime().ping()
        #expect(!info.version.isEmpty)
        #expect(info.apiVersion.split(separator: ".").count == 2)
    }

    @Test func aMissingDaemonIsAClearUnavailableError() async throws {
        let error = await #expect(throws: RuntimeError.self) {
            try await DockerRuntime(socketPath: "/nonexistent/docker.sock").ping()
        }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("/nonexistent/docker.sock") == true)
        #expect(error?.message.contains("is dockerd running") == true)
    }

    @Test func aContainerIsCreatedListedServedLimitedStoppedAndRemoved() async throws {
        try await TestScope.run { scope in
            let docker = scope.docker
            let port = FreePort.next()
            let id = try await docker.create(scope.webSpec("life", version: 1, hostPort: port))

            let created = try #require(try await docker.listManaged().first { $0.id == id })
            #expect(created.state == .created)
            #expect(created.labels[ManagedLabels.managedBy] == "codeb")
            #expect(created.labels[testScopeLabel] == scope.id)

            try await docker.start(id)
            try await docker.start(id)  // starting a running container is not an error
            let page = try await eventually("the published port to answer") {
                try await httpGet("http://127.0.0.1:\(port)/")
            }
            #expect(page.status == 200)
            #expect(page.body == "codeb-test web v1\n")

            let running = try #require(try await docker.listManaged().first { $0.id == id })
            #expect(running.state == .running)
            #expect(running.ports == [PublishedPort(hostIP: "127.0.0.1", hostPort: port, containerPort: 8080)])

            let inspected = try #require(try await docker.inspect(scope.name("life")))
            #expect(inspected.id == id)
            #expect(inspected.memoryBytes == 64 << 20)
            #expect(inspected.nanoCPUs == 500_000_000)
            #expect(inspected.restartPolicy == "unless-stopped")
            #expect(inspected.ports.first?.hostIP == "127.0.0.1")

            try await docker.stop(id, timeout: .seconds(5))
            try await docker.stop(id, timeout: .seconds(5))  // stopping a stopped container is not an error
            #expect(try await docker.inspect(id)?.state == .exited)

            try await docker.remove(id)
            try await docker.remove(id)  // removing a missing container is not an error
            #expect(try await docker.inspect(id) == nil)
            #expect(try await docker.listManaged().contains { $0.id == id } == false)
        }
    }

    @Test func aTakenNameIsAConflictWithDockersMessage() async throws {
        try await TestScope.run { scope in
            _ = try await scope.docker.create(scope.webSpec("dup", hostPort: FreePort.next()))
            let error = await #expect(throws: RuntimeError.self) {
                try await scope.docker.create(scope.webSpec("dup", hostPort: FreePort.next()))
            }
            #expect(error?.kind == .conflict)
            #expect(error?.status == 409)
            #expect(error?.message.contains("already in use") == true)
        }
    }

    @Test func aMissingImageIsNotFound() async throws {
        try await TestScope.run { scope in
            var spec = scope.webSpec("noimage", hostPort: FreePort.next())
            spec.image = "codeb-test/absent:1"
            let error = await #expect(throws: RuntimeError.self) { try await scope.docker.create(spec) }
            #expect(error?.kind == .notFound)
        }
    }

    @Test func dieAndDestroyEventsArrive() async throws {
        try await TestScope.run { scope in
            let docker = scope.docker
            let events = docker.events(since: Date())
            let id = try await docker.create(scope.webSpec("events", hostPort: FreePort.next()))
            try await docker.start(id)
            try await docker.stop(id, timeout: .seconds(2))
            try await docker.remove(id)
            var seen: [String] = []
            let collector = Task {
                for await event in events where event.containerID == id {
                    seen.append(event.kind)
                    if event.kind == "destroy" { break }
                }
                return seen
            }
            let timeout = Task {
                try await Task.sleep(for: .seconds(20))
                collector.cancel()
            }
            let kinds = await collector.value
            timeout.cancel()
            #expect(kinds.contains("create"))
            #expect(kinds.contains("start"))
            #expect(kinds.contains("die"))
            #expect(kinds.last == "destroy")
        }
    }

    @Test func logsReturnWhatTheContainerPrinted() async throws {
        try await TestScope.run { scope in
            let docker = scope.docker
            let script = "echo hello-out; echo hello-err >&2; echo partial"
            let id = try await docker.create(scope.webSpec("logs", hostPort: FreePort.next(), command: ["/usr/bin/busybox", "sh", "-c", script]))
            try await docker.start(id)
            // The restart policy restarts the script, so wait for the lines rather than for an exit.
            let lines = try await eventually("the container's output") {
                let lines = try await docker.logs(id, tail: nil)
                return lines.contains { $0.stream == .stderr && $0.text == "hello-err" } ? lines : nil
            }
            #expect(lines.contains { $0.stream == .stdout && $0.text == "hello-out" })
            #expect(lines.contains { $0.stream == .stdout && $0.text == "partial" })
            // Stamped by the engine, the stamp taken off the text.
            #expect(lines.allSatisfy { $0.at != nil && !$0.text.hasPrefix("20") }, "\(lines)")
            let tail = try await docker.logs(id, tail: 1)
            #expect(tail.count == 1)
        }
    }

    /// A started container printing `line0`, `line1`, … every `every` seconds.
    static func counting(_ scope: TestScope, _ name: String, every: String) async throws -> (DockerRuntime, String) {
        let script = "i=0; while true; do echo line$i; i=$((i+1)); /usr/bin/busybox sleep \(every); done"
        let id = try await scope.docker.create(scope.webSpec(name, hostPort: FreePort.next(), command: ["/usr/bin/busybox", "sh", "-c", script]))
        try await scope.docker.start(id)
        return (scope.docker, id)
    }

    static func take(_ count: Int, from stream: AsyncThrowingStream<LogLine, any Error>) async throws -> [LogLine] {
        var lines: [LogLine] = []
        for try await line in stream {
            lines.append(line)
            if lines.count == count { break }
        }
        return lines
    }

    /// A follower that stopped resumes from the last line's time: every later line, none twice.
    @Test func logsResumeAfterTheLastLineSeen() async throws {
        try await TestScope.run { scope in
            let (docker, id) = try await Self.counting(scope, "resume", every: "0.05")
            let first = try await Self.take(3, from: docker.followLogs(id, tail: nil))
            let cursor = try #require(first.last?.at)
            let resumed = try await Self.take(3, from: docker.followLogs(id, tail: nil, since: cursor))
            let numbers = (first + resumed).compactMap { Int($0.text.dropFirst("line".count)) }
            #expect(numbers == Array(numbers[0]...(numbers[0] + 5)), "no line lost or repeated: \(numbers)")
            #expect(resumed.allSatisfy { $0.at! > cursor })
            let after = try await docker.logs(id, tail: nil, since: cursor)
            #expect(after.first?.text == resumed.first?.text, "the plain read resumes alike")
        }
    }

    @Test func followedLogsStreamAsTheyArePrinted() async throws {
        try await TestScope.run { scope in
            let (docker, id) = try await Self.counting(scope, "follow", every: "0.1")
            let received = try await Self.take(5, from: docker.followLogs(id, tail: 0)).map(\.text)
            #expect(received.count == 5)
            let numbers = received.compactMap { Int($0.dropFirst("line".count)) }
            #expect(numbers == Array(numbers[0]...(numbers[0] + 4)))
        }
    }

    /// Followed logs hold a connection each for as long as they last: more of them than
    /// AsyncHTTPClient's default pool (8) must not leave the next call waiting for one.
    @Test func manyFollowedLogsLeaveDockerCallsAnswering() async throws {
        try await TestScope.run { scope in
            let (docker, id) = try await Self.counting(scope, "many", every: "0.2")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask { for try await _ in docker.followLogs(id, tail: 0) {} }
                }
                // Each follower has its first line: all twelve hold their connection now.
                _ = try await Self.take(1, from: docker.followLogs(id, tail: 0))
                let (listed, seconds) = try await { () async throws -> ([ContainerInfo], Double) in
                    let start = ContinuousClock.now
                    let listed = try await docker.listManaged()
                    let (whole, atto) = (ContinuousClock.now - start).components
                    return (listed, Double(whole) + Double(atto) / 1e18)
                }()
                #expect(listed.contains { $0.id == id })
                #expect(seconds < 3, "a list waited \(seconds) s for a connection")
                group.cancelAll()
            }
        }
    }

    @Test func imagePresenceIsReported() async throws {
        let docker = DockerRuntime()
        #expect(try await docker.imageExists("codeb-test/web:1"))
        #expect(try await docker.imageExists("codeb-test/web:999") == false)
    }

    @Test func aPullThatCannotReachItsRegistryFails() async throws {
        let error = await #expect(throws: RuntimeError.self) {
            try await DockerRuntime().pull("127.0.0.1:1/codeb/nothing:1")
        }
        #expect(error?.kind != .unavailable)
        #expect(error?.message.isEmpty == false)
    }

    @Test func aPullStreamWithAnErrorLineIsAFailure() {
        let stream = Data("""
            {"status":"Pulling from acme/shop","id":"1"}
            {"errorDetail":{"message":"manifest for acme/shop:2 not found"},"error":"manifest for acme/shop:2 not found"}

            """.utf8)
        #expect(DockerRuntime.pullFailure(in: stream) == "manifest for acme/shop:2 not found")
        #expect(DockerRuntime.pullFailure(in: Data(#"{"status":"Downloaded newer image"}"#.utf8)) == nil)
    }
}

@Suite struct RecentKeysTests {
    @Test func repeatsAreRecognisedWithinCapacityAndForgottenBeyondIt() {
        var recent = RecentKeys(capacity: 3)
        var results: [Bool] = []
        for key in ["a", "a", "b", "c", "d", "a", "c"] {
            results.append(recent.insert(key))
        }
        // "d" evicts "a", so "a" is new again; "c" is still remembered.
        #expect(results == [true, false, true, true, true, true, false])
    }
}
