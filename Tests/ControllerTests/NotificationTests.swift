@testable import Controller
import Crypto
import Foundation
@testable import Planning
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

    @Test func aRevertIsOneNoticeWithItsNumbers() throws {
        var input = Fixture.baking(BakePolicy(duration: .minutes(5)))
        input.traffic = [.green: TrafficWindow.Summary(requests: 60, serverErrors: 20, p95: .milliseconds(20))]
        let notices = DeployNotice.notices(Planner.plan(input), input)
        #expect(notices.map(\.event) == [.rolloutReverted], "the previous slot taking traffic back is not a second notice")
        let notice = try #require(notices.first)
        #expect(notice.revision == 2 && notice.slot == "green")
        #expect(notice.reason == "reverted to revision 1: 5xx 33% of 60 requests, bar 2%")
    }

    static func notice(_ team: String, _ event: DeployNotice.Event = .rolloutLive) -> DeployNotice {
        DeployNotice(event: event, team: team, project: "shop", environment: "production", revision: 2, image: "codeb-test/web:2",
                     author: "ci-deploy", reason: nil, slot: "blue", at: Date())
    }

    static func hook(_ team: String, _ url: String, secret: String? = nil, events: Set<DeployNotice.Event> = Set(DeployNotice.Event.allCases),
                     attempts: Int = 5, backoff: Duration = .milliseconds(50), allowPrivate: Bool = true) throws -> NotifyHook {
        // Allowed private by default: the receivers of these tests are on loopback.
        NotifyHook(team: try ResourceName(parsing: team), url: URL(string: url)!, events: events, secret: secret, attempts: attempts, backoff: backoff,
                   allowPrivate: allowPrivate)
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
            _ = try await eventually("both delivered", within: .seconds(60)) { notifier.stats.delivered == 2 ? true : nil }
        }
        #expect(acme.deliveries.count == 1, "rollout.started is not among acme's events")
        let delivery = try #require(acme.deliveries.first)
        #expect(delivery.json["team"] as? String == "acme" && delivery.json["event"] as? String == "rollout.live")
        #expect(delivery.json["project"] as? String == "shop" && delivery.json["revision"] as? Int == 2)
        #expect(delivery.json["image"] as? String == "codeb-test/web:2" && delivery.json["author"] as? String == "ci-deploy")
        #expect(delivery.headers["x-codeb-event"] == "rollout.live" && delivery.headers["content-type"] == "application/json")
        // Signed over `timestamp.body`, the timestamp a recent one: a captured delivery replayed
        // later is told by its age, and its timestamp cannot be changed without the key.
        let timestamp = try #require(delivery.headers["x-codeb-timestamp"])
        #expect(abs((Double(timestamp) ?? 0) - Date().timeIntervalSince1970) < 60, "\(timestamp)")
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + delivery.body, using: SymmetricKey(data: Data("acme-signing-key".utf8)))
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
            _ = try await eventually("delivered on the third attempt", within: .seconds(60)) { notifier.stats.delivered == 1 ? true : nil }
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
            // Patient: three 1 s attempts, under a loaded suite.
            _ = try await eventually("both given up", within: .seconds(120)) { notifier.stats.failed == 2 ? true : nil }
        }
        #expect(refusing.deliveries.count == 1, "a 400 is a refusal: not asked again")
        #expect(notifier.stats.delivered == 0)
        let summary = notifier.summary
        #expect(summary.contains("2 failed") && summary.contains("last failure:"), "\(summary)")
        #expect(!summary.contains("secret-token") && !summary.contains("127.0.0.1") && !summary.contains("acme") && !summary.contains("other"), "\(summary)")
    }

    @Test func postingNeverWaitsAndPastCapacityTheOldestAreDroppedAndCounted() async throws {
        let notifier = WebhookNotifier(hooks: [try Self.hook("acme", "http://127.0.0.1:\(FreePort.next())/hook")], capacity: 8)
        // Not running: nothing is taken off the queue, which holds the capacity less the
        // deliveries that may be in flight (8 / 4 = 2).
        #expect(notifier.concurrency == 2)
        notifier.post((0..<10).map { _ in Self.notice("acme") })
        #expect(notifier.stats.dropped == 4)
        notifier.post([Self.notice("nobody")])
        #expect(notifier.stats.dropped == 4, "a notice no hook wants is not queued")
    }

    @Test func aRedirectIsAFailedAttemptAndIsNotFollowed() async throws {
        // A receiver (of any team) answering 307 toward the host's own services — here another
        // loopback receiver standing in for Caddy's admin API — must not get a POST through.
        let target = try await WebhookReceiver()
        let redirecting = try await WebhookReceiver(answers: [307], location: target.url)
        defer { target.stop(); redirecting.stop() }
        let notifier = WebhookNotifier(hooks: [try Self.hook("acme", redirecting.url)])
        try await Self.running(notifier) {
            notifier.post([Self.notice("acme")])
            _ = try await eventually("the delivery given up", within: .seconds(60)) { notifier.stats.failed == 1 ? true : nil }
        }
        #expect(redirecting.deliveries.count == 1, "a redirect is not retried")
        #expect(target.deliveries.isEmpty, "the redirect was not followed")
        #expect(notifier.stats.lastFailure?.contains("HTTP 307: a redirect, not followed") == true, "\(notifier.summary)")
    }

    @Test func aHookOnThisHostOrAPrivateNetworkIsRefusedUnlessTheOperatorAllowsIt() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        let localhost = receiver.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let notifier = WebhookNotifier(hooks: [
            try Self.hook("acme", receiver.url, allowPrivate: false),
            try Self.hook("acme", localhost, allowPrivate: false),
        ])
        try await Self.running(notifier) {
            notifier.post([Self.notice("acme")])
            _ = try await eventually("both refused", within: .seconds(60)) { notifier.stats.failed == 2 ? true : nil }
        }
        #expect(receiver.deliveries.isEmpty, "nothing reached the loopback receiver, by address or by name")
        #expect(notifier.stats.lastFailure?.contains("resolves to a loopback address") == true, "\(notifier.summary)")
        #expect(notifier.summary.contains("127.0.0.1") == false && notifier.summary.contains("localhost") == false)

        let allowed = WebhookNotifier(hooks: [try Self.hook("acme", localhost, allowPrivate: true)])
        try await Self.running(allowed) {
            allowed.post([Self.notice("acme")])
            _ = try await eventually("delivered when allowed", within: .seconds(60)) { allowed.stats.delivered == 1 ? true : nil }
        }
        #expect(receiver.deliveries.count == 1)
    }

    @Test(arguments: [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
        ("172.31.255.255", "private"), ("192.168.1.1", "private"), ("100.64.0.1", "private"), ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private"), ("64:ff9b::a00:1", "private"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
        ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("240.0.0.1", "reserved"),
        ("93.184.216.34", "public"), ("172.32.0.1", "public"), ("100.128.0.1", "public"), ("2606:4700::1111", "public"), ("8.8.8.8", "public"),
    ])
    func addressesAreClassifiedBeforeAnyConnection(_ address: String, _ expected: String) {
        #expect((WebhookAddressPolicy.kind(of: address)?.rawValue ?? "public") == expected)
    }

    @Test func theBackoffDoublesAndIsCapped() throws {
        let hook = try Self.hook("acme", "https://hooks.example.com/h", attempts: 20, backoff: .seconds(2))
        #expect(hook.delay(before: 2) == .seconds(2) && hook.delay(before: 3) == .seconds(4) && hook.delay(before: 5) == .seconds(16))
        #expect(hook.delay(before: 12) == NotifyHook.maxBackoff && hook.delay(before: 20) == .seconds(300), "never more than 5 minutes")
    }

    @Test func whileRunningWithASlowReceiverAtMostCapacityNoticesAreHeld() async throws {
        // A receiver that takes a minute per answer: deliveries pile up. What the notifier holds
        // (queued and in flight) stays within its capacity; the rest is dropped and counted.
        let slow = try await WebhookReceiver(hold: .seconds(60))
        defer { slow.stop() }
        let capacity = 64
        let notifier = WebhookNotifier(hooks: [try Self.hook("acme", slow.url, attempts: 1)], timeout: .seconds(90), capacity: capacity)
        let posted = 2_000
        try await Self.running(notifier) {
            for index in 0..<posted {
                notifier.post([Self.notice("acme")])
                // Posting at a pace the queue's reader can keep up with, as real rollouts do.
                if index % 50 == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            _ = try await eventually("the deliveries in flight to reach the receiver", within: .seconds(60)) { slow.deliveries.count >= 1 ? true : nil }
        }
        #expect(notifier.stats.dropped >= posted - capacity, "held at most \(capacity): dropped \(notifier.stats.dropped) of \(posted)")
        #expect(slow.deliveries.count <= capacity, "\(slow.deliveries.count) requests in flight")
    }
}
