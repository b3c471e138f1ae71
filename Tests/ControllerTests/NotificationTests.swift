@testable import Controller
import Crypto
import Foundation
import Spec
import State
import TestSupport
import Testing

/// Deploy notifications: which slot changes make which notice (a table over the pure
/// derivation), and delivery to real local receivers — signed JSON to the team's own hook,
/// retried with backoff, given up on a refusal or a dead receiver, never holding up the caller.
@Suite struct NotificationTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var before: [SlotRecord]
        var after: [SlotRecord]
        var rollbackRevision = false
        var expected: [DeployNotice.Event]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "a deploy starts", before: [], after: [Fixture.record(.blue, .deployed, revision: 2, version: 2)], expected: [.rolloutStarted]),
        Row(name: "the new slot takes traffic", before: [Fixture.record(.blue, .deployed, revision: 2, version: 2, streak: 1)],
            after: [Fixture.record(.blue, .active, revision: 2, version: 2, streak: 2)], expected: [.rolloutLive]),
        Row(name: "a probe count is no news", before: [Fixture.record(.blue, .deployed, revision: 2, version: 2, streak: 0)],
            after: [Fixture.record(.blue, .deployed, revision: 2, version: 2, streak: 1)], expected: []),
        Row(name: "a rollout fails", before: [Fixture.record(.blue, .deployed, revision: 2, version: 2)],
            after: [Fixture.record(.blue, .failed, revision: 2, version: 2, failure: "not healthy within 10s: HTTP 503 × 9")], expected: [.rolloutFailed]),
        Row(name: "a rollback takes traffic", before: [Fixture.record(.green, .grace, revision: 1, version: 1, graceUntil: Fixture.t0 + 3600)],
            after: [Fixture.record(.green, .active, revision: 1, version: 1)], rollbackRevision: true, expected: [.rollback]),
        Row(name: "grace runs out", before: [Fixture.record(.green, .grace, revision: 1, version: 1, graceUntil: Fixture.t0 - 1)],
            after: [SlotRecord(slot: .green, state: .empty, port: 4101)], expected: [.graceExpired]),
        Row(name: "a grace slot taken by a deploy is no news", before: [Fixture.record(.green, .grace, revision: 1, version: 1, graceUntil: Fixture.t0 + 3600)],
            after: [SlotRecord(slot: .green, state: .empty, port: 4101)], expected: []),
    ]

    @Test(arguments: rows)
    func slotChangesMakeNotices(_ row: Row) {
        var state = Fixture.state(versions: [1, 2, 1])
        if row.rollbackRevision { state.revisions[2].source = .rollback }
        for record in row.before { state[record.slot] = record }
        let input = PlanInput(state: state, now: Fixture.t0)
        let notices = DeployNotice.notices(Plan(actions: [.recordSlots(row.after)]), input)
        #expect(notices.map(\.event) == row.expected)
        for notice in notices {
            #expect(notice.team == "acme" && notice.project == "shop" && notice.environment == "production")
            #expect(notice.image?.hasPrefix("codeb-test/web:") == true)
        }
        if row.expected == [.rolloutFailed] { #expect(notices.first?.reason == "not healthy within 10s: HTTP 503 × 9") }
        if row.expected == [.rolloutLive] { #expect(notices.first?.revision == 2 && notices.first?.author == "test") }
    }

    static func notice(_ team: String, _ event: DeployNotice.Event = .rolloutLive) -> DeployNotice {
        DeployNotice(event: event, team: team, project: "shop", environment: "production", revision: 2, image: "codeb-test/web:2",
                     author: "ci-deploy", reason: nil, slot: "blue", at: Date())
    }

    static func hook(_ team: String, _ url: String, secret: String? = nil, events: Set<DeployNotice.Event> = Set(DeployNotice.Event.allCases),
                     attempts: Int = 5, backoff: Duration = .milliseconds(50)) throws -> NotifyHook {
        NotifyHook(team: try ResourceName(parsing: team), url: URL(string: url)!, events: events, secret: secret, attempts: attempts, backoff: backoff)
    }

    /// Runs `notifier` while `body` runs.
    static func running(_ notifier: WebhookNotifier, _ body: () async throws -> Void) async throws {
        let task = Task { try await notifier.run() }
        defer { task.cancel() }
        try await body()
    }

    @Test func aNoticeReachesItsTeamsHookOnlySignedAsJSON() async throws {
        let acme = try await WebhookReceiver(), other = try await WebhookReceiver()
        defer { acme.stop(); other.stop() }
        let notifier = WebhookNotifier(hooks: [
            try Self.hook("acme", acme.url, secret: "acme-signing-key", events: [.rolloutLive, .rolloutFailed]),
            try Self.hook("other", other.url),
        ])
        try await Self.running(notifier) {
            notifier.post([Self.notice("acme"), Self.notice("acme", .rolloutStarted), Self.notice("other", .rolloutFailed)])
            _ = try await eventually("both delivered") { notifier.stats.delivered == 2 ? true : nil }
        }
        #expect(acme.deliveries.count == 1, "rollout.started is not among acme's events")
        let delivery = try #require(acme.deliveries.first)
        #expect(delivery.json["team"] as? String == "acme" && delivery.json["event"] as? String == "rollout.live")
        #expect(delivery.json["project"] as? String == "shop" && delivery.json["revision"] as? Int == 2)
        #expect(delivery.json["image"] as? String == "codeb-test/web:2" && delivery.json["author"] as? String == "ci-deploy")
        #expect(delivery.headers["x-codeb-event"] == "rollout.live" && delivery.headers["content-type"] == "application/json")
        let mac = HMAC<SHA256>.authenticationCode(for: delivery.body, using: SymmetricKey(data: Data("acme-signing-key".utf8)))
        #expect(delivery.headers["x-codeb-signature"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        #expect(other.deliveries.count == 1 && other.deliveries.first?.json["team"] as? String == "other")
        #expect(other.deliveries.first?.headers["x-codeb-signature"] == nil, "no secret, no signature")
    }

    @Test func aFailingReceiverIsRetriedWithBackoffUntilItAnswers() async throws {
        let receiver = try await WebhookReceiver(answers: [503, 429])
        defer { receiver.stop() }
        let notifier = WebhookNotifier(hooks: [try Self.hook("acme", receiver.url)])
        try await Self.running(notifier) {
            notifier.post([Self.notice("acme")])
            _ = try await eventually("delivered on the third attempt") { notifier.stats.delivered == 1 ? true : nil }
        }
        #expect(receiver.deliveries.map { $0.headers["x-codeb-attempt"] } == ["1", "2", "3"])
        #expect(Set(receiver.deliveries.map { $0.headers["x-codeb-delivery"] }).count == 1, "one delivery id across its attempts")
        #expect(notifier.stats.failed == 0)
    }

    @Test func aRefusalIsNotRetriedAndADeadReceiverIsGivenUpOnAndShownWithoutItsURL() async throws {
        let refusing = try await WebhookReceiver(answers: [400])
        defer { refusing.stop() }
        let dead = "http://127.0.0.1:\(FreePort.next())/secret-token-in-path"
        let notifier = WebhookNotifier(hooks: [try Self.hook("acme", refusing.url), try Self.hook("other", dead, attempts: 3, backoff: .milliseconds(20))], timeout: .seconds(1))
        try await Self.running(notifier) {
            notifier.post([Self.notice("acme"), Self.notice("other")])
            _ = try await eventually("both given up") { notifier.stats.failed == 2 ? true : nil }
        }
        #expect(refusing.deliveries.count == 1, "a 400 is a refusal: not asked again")
        #expect(notifier.stats.delivered == 0)
        let summary = notifier.summary
        #expect(summary.contains("2 failed") && summary.contains("last failure:"), "\(summary)")
        #expect(!summary.contains("secret-token") && !summary.contains("127.0.0.1") && !summary.contains("acme") && !summary.contains("other"), "\(summary)")
    }

    @Test func postingNeverWaitsAndPastCapacityTheOldestAreDroppedAndCounted() async throws {
        let notifier = WebhookNotifier(hooks: [try Self.hook("acme", "http://127.0.0.1:\(FreePort.next())/hook")], capacity: 2)
        // Not running: nothing is taken off the queue.
        notifier.post((0..<10).map { _ in Self.notice("acme") })
        #expect(notifier.stats.dropped == 8)
        notifier.post([Self.notice("nobody")])
        #expect(notifier.stats.dropped == 8, "a notice no hook wants is not queued")
    }
}
