import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

/// A slot's logs as Server-Sent Events: one event per line with the line's time as its id,
/// resumed with `since=` or `Last-Event-ID` without losing or repeating a line; plain text as
/// before; another team's key sees nothing. In `ControllerCLITests` (serialized).
extension ControllerCLITests {
    struct SSEEvent: Equatable {
        var id: String?
        var event: String?
        var data: String
    }

    /// Reads events from `path` until `count` have come.
    static func readEvents(_ port: Int, _ token: String, _ path: String, count: Int, lastEventID: String? = nil) async throws -> (status: Int, contentType: String?, events: [SSEEvent]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        var events: [SSEEvent] = [], pending = "", current = SSEEvent(data: "")
        guard response.status.code == 200 else { return (Int(response.status.code), response.headers.first(name: "Content-Type"), []) }
        reading: for try await chunk in response.body {
            pending += String(buffer: chunk)
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
                if line.isEmpty {
                    // A heartbeat (a comment alone) is no event.
                    if current.event == nil && current.id == nil && current.data.isEmpty { continue }
                    events.append(current)
                    current = SSEEvent(data: "")
                    if events.count == count { break reading }
                } else if line.hasPrefix("id: ") {
                    current.id = String(line.dropFirst(4))
                } else if line.hasPrefix("event: ") {
                    current.event = String(line.dropFirst(7))
                } else if line.hasPrefix("data: ") {
                    current.data = String(line.dropFirst(6))
                }
            }
        }
        return (200, response.headers.first(name: "Content-Type"), events)
    }

    @Test func logsStreamAsServerSentEventsAndResumeWhereTheyStopped() async throws {
        try await CaddyInstance.run { caddy in
            let project = "sse" + UUID().uuidString.prefix(8).lowercased()
            try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let member = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let rival = try await CLI.run(["keys", "create", "--team", "other", "--role", "admin", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let (controller, port) = try await Self.startController(caddy, directory)
                defer { if controller.isRunning { controller.terminate() } }
                let session = CLISession(port: port, token: member)
                let file = directory + "/codeb.yaml"
                // The web server, and a line every 50 ms on stdout (and every tenth on stderr); `$$` is a literal `$` in a spec.
                let chatty = #"command: ["/usr/bin/busybox", "sh", "-c", "i=0; while true; do echo line$$i; [ $$((i % 10)) = 0 ] && echo err$$i >&2; i=$$((i+1)); /usr/bin/busybox sleep 0.05; done & exec /usr/bin/busybox httpd -f -p 8080 -h /www"]"#
                try Self.patientSpec(project: project, version: 1).replacingOccurrences(of: "stopTimeout: 1s", with: "stopTimeout: 1s\n\(chatty)")
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let applied = try await session.run(["apply", "-f", file, "--wait", "--timeout", "60s"])
                try #require(applied.status == 0, "\(applied.stdout)\(applied.stderr)")

                let path = "/v1/projects/\(project)/environments/staging/logs"
                let first = try await Self.readEvents(port, member, path + "?tail=0", count: 12)
                #expect(first.contentType == "text/event-stream")
                #expect(first.events.count == 12)
                #expect(first.events.allSatisfy { $0.id != nil && ($0.event == "stdout" || $0.event == "stderr") }, "\(first.events)")
                #expect(first.events.contains { $0.event == "stderr" && $0.data.hasPrefix("err") })
                let outFirst = first.events.filter { $0.event == "stdout" }.compactMap { Int($0.data.dropFirst(4)) }
                let cursor = try #require(first.events.last?.id)

                // Resumed twice over — by since= and by Last-Event-ID — from the last event seen.
                for (query, header) in [("?since=\(cursor)", nil), ("", cursor)] as [(String, String?)] {
                    let resumed = try await Self.readEvents(port, member, path + query, count: 12, lastEventID: header)
                    let outResumed = resumed.events.filter { $0.event == "stdout" }.compactMap { Int($0.data.dropFirst(4)) }
                    let numbers = outFirst + outResumed
                    #expect(numbers == Array(numbers[0]..<(numbers[0] + numbers.count)), "no line lost or repeated: \(numbers)")
                    #expect(resumed.events.allSatisfy { $0.id! > cursor }, "every event after the cursor (ids are fixed-width seconds.nanoseconds)")
                }

                // Plain text as before; a bad cursor and another team are refused.
                let text = try await session.run(["logs", project, "--env", "staging", "--tail", "3"])
                #expect(text.status == 0 && text.stdout.contains("line"), "\(text.stdout)\(text.stderr)")
                let bad = try await Self.readEvents(port, member, path + "?since=yesterday", count: 1)
                #expect(bad.status == 400)
                let other = try await Self.readEvents(port, rival, path, count: 1)
                #expect(other.status == 404)

                // A stop with followers still streaming (logs and events) is quiet: exit 0, no
                // line at error level (Hummingbird's child-channel and shutdown errors included).
                let followers = [path + "?tail=0", "/v1/events?follow=1"].map { followed in
                    Task { try await Self.readEvents(port, member, followed, count: 100_000) }
                }
                _ = try await eventually("both followers connected") {
                    let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                    return metrics.contains("route=\"/v1/events\",method=\"GET\",status=\"200\"}") && metrics.contains("logs\",method=\"GET\",status=\"200\"}") ? true : nil
                }
                controller.terminate()
                controller.waitUntilExit()
                #expect(controller.terminationStatus == 0)
                for follower in followers { _ = try? await follower.value }
                let log = try String(contentsOfFile: directory + "/controller-\(port).log", encoding: .utf8)
                let loud = log.split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") }
                #expect(loud.isEmpty, "\(loud)")
            }
        }
    }
}
