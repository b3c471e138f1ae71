import Drivers
import Foundation
import State
import TestSupport
import Testing

/// The event stream must survive the daemon going away: it reconnects with `since=` and
/// delivers what happened meanwhile, without repeating what it already delivered.
@Suite(.timeLimit(.minutes(2)))
struct DockerEventReconnectTests {
    actor EventLog {
        var events: [ContainerEvent] = []
        func add(_ event: ContainerEvent) { events.append(event) }
        func count(_ id: String, _ kind: String) -> Int { events.filter { $0.containerID == id && $0.kind == kind }.count }
    }

    @Test func eventsThatHappenWhileDisconnectedArriveAfterReconnecting() async throws {
        let proxy = try UnixSocketProxy(target: DockerRuntime.defaultSocketPath)
        defer { proxy.stop() }
        try await TestScope.run { scope in
            let watched = DockerRuntime(socketPath: proxy.path)
            let log = EventLog()
            let stream = watched.events(since: Date())
            let collector = Task {
                for await event in stream where event.labels[testScopeLabel] == scope.id {
                    await log.add(event)
                }
            }
            defer { collector.cancel() }

            let first = try await scope.docker.create(scope.webSpec("before", hostPort: FreePort.next()))
            _ = try await eventually("the first create event") { await log.count(first, "create") == 1 ? true : nil }

            proxy.cut()
            let second = try await scope.docker.create(scope.webSpec("during", hostPort: FreePort.next()))
            try await scope.docker.remove(second)
            try proxy.resume()

            _ = try await eventually("the events from while the socket was down") {
                await log.count(second, "destroy") == 1 ? true : nil
            }
            #expect(await log.count(second, "create") == 1)
            #expect(await log.count(first, "create") == 1, "an event delivered before the cut is not repeated")
        }
    }
}
