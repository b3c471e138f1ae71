import Foundation
import TestSupport
import Testing

/// Deploy notifications from a real controller to local receivers: a team's webhook hears its
/// own rollouts (started, live, failed, rollback) and no other team's; a dead receiver shows in
/// /readyz and the metrics without holding up a rollout. In `ControllerCLITests` (serialized).
extension ControllerCLITests {
    @Test func aTeamsWebhookHearsItsRolloutsAndADeadOneHoldsNothingUp() async throws {
        try await CaddyInstance.run { caddy in
            let project = "ntf" + UUID().uuidString.prefix(8).lowercased()
            let acme = try await WebhookReceiver(), other = try await WebhookReceiver()
            defer { acme.stop(); other.stop() }
            try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let member = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--name", "ci-deploy", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let dead = FreePort.next()
                let config = """
                    notify:
                      - team: acme
                        url: \(acme.url)
                        allow-private: true
                      - team: acme
                        url: http://127.0.0.1:\(dead)/hook-token
                        allow-private: true
                        events: [rollout.live]
                        attempts: 2
                        backoff: 100ms
                      - team: other
                        url: \(other.url)
                        allow-private: true
                    """
                let (controller, port) = try await Self.startController(caddy, directory, config: config)
                defer { if controller.isRunning { controller.terminate() } }
                let session = CLISession(port: port, token: member)
                let file = directory + "/codeb.yaml"
                func apply(_ version: Int, health: String = "/health") async throws -> CLI.Result {
                    try Self.spec(project: project, version: version, health: health).write(toFile: file, atomically: true, encoding: .utf8)
                    return try await session.run(["apply", "-f", file, "--wait", "--timeout", "60s"])
                }
                let first = try await apply(1)
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
                let failing = try await apply(2, health: "/missing")
                #expect(failing.status == 3, "\(failing.stdout)\(failing.stderr)")
                let second = try await apply(2)
                #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
                let rollback = try await session.run(["rollback", project, "--env", "staging", "--wait", "--timeout", "60s"])
                #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")

                let events = try await eventually("the rollback's notice: \(acme.deliveries.map { ($0.json["event"] as? String ?? "?", $0.json["revision"] as? Int ?? 0) })") {
                    let events = acme.deliveries.map { ($0.json["event"] as? String ?? "?", $0.json["revision"] as? Int ?? 0) }
                    return events.contains { $0.0 == "rollback" } ? events : nil
                }
                let names = events.map(\.0)
                #expect(names.filter { $0 == "rollout.started" }.count == 3, "\(events)")
                #expect(names.filter { $0 == "rollout.live" }.count == 2, "\(events)")
                #expect(names.filter { $0 == "rollout.failed" }.count == 1, "\(events)")
                let failed = try #require(acme.deliveries.first { $0.json["event"] as? String == "rollout.failed" }?.json)
                #expect(failed["revision"] as? Int == 2 && (failed["reason"] as? String ?? "").contains("404"), "\(failed)")
                let live = try #require(acme.deliveries.first { $0.json["event"] as? String == "rollout.live" }?.json)
                #expect(live["project"] as? String == project && live["environment"] as? String == "staging")
                // Who: the revision's author as the history names it (the key's id).
                let history = try await session.run(["history", project, "--env", "staging", "-o", "json"])
                let revisions = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]] ?? []
                let author = revisions.first { $0["number"] as? Int == 1 || $0["revision"] as? Int == 1 }?["author"] as? String
                #expect(live["image"] as? String == "codeb-test/web:1" && author != nil && live["author"] as? String == author, "\(live) \(revisions)")
                #expect(other.deliveries.isEmpty, "another team hears nothing of acme's rollouts")

                // The dead hook: given up (after its retries), said in /readyz without its URL.
                let ready = try await eventually("the dead hook given up", within: .seconds(60)) {
                    let body = try await httpGet("http://127.0.0.1:\(port)/readyz").body
                    return body.contains("failed") && !body.contains(", 0 failed") ? body : nil
                }
                #expect(ready.contains("\"notifications\"") && ready.contains("3 webhooks"), "\(ready)")
                #expect(!ready.contains("hook-token") && !ready.contains("\(dead)") && !ready.contains("acme"), "\(ready)")
                let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                #expect(metrics.contains(#"codeb_notifications_total{event="rollout.live",result="delivered"}"#))
                #expect(metrics.contains(#"codeb_notifications_total{event="rollout.live",result="failed"}"#))
                #expect(metrics.contains(#"codeb_notification_attempts_total{result="error"}"#))
            }
        }
    }
}
