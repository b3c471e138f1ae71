import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Spec
import State
import Support
import Synchronization

/// Delivers deploy notices to the teams' webhooks (`notify:`): a JSON POST per notice and
/// hook, retried with exponential backoff (capped at `NotifyHook.maxBackoff`) on a 5xx, 408,
/// 429 or no answer; a hook answering another 4xx has refused it and is not asked again; a 3xx
/// is a failed attempt (a redirect is never followed: it could point anywhere, the
/// controller's own loopback services included). A receiver's address is checked at delivery
/// (`WebhookAddressPolicy`). `post` never waits: a rollout is never held up by a slow or dead
/// receiver. At most `capacity` notices are held at any time, queued and being delivered
/// together; past it the oldest queued are dropped, and counted. Each team's hooks hear of that
/// team's environments only.
public final class WebhookNotifier: Service, Sendable {
    public struct Stats: Sendable, Hashable {
        public var delivered = 0
        public var failed = 0
        public var dropped = 0
        /// The last delivery given up: its HTTP status or error and attempts (no URL, no team).
        public var lastFailure: String?
    }

    public let hooks: [NotifyHook]
    let timeout: Duration
    /// Deliveries in flight at once; the rest wait in the queue (and count against `capacity`).
    let concurrency: Int
    private let stream: AsyncStream<DeployNotice>
    private let continuation: AsyncStream<DeployNotice>.Continuation
    private let counts = Mutex(Stats())
    private let logger: Logger

    public init(hooks: [NotifyHook], timeout: Duration = .seconds(10), capacity: Int = 1024, logger: Logger = Logger(label: "codeb.notify")) {
        self.hooks = hooks
        self.timeout = timeout
        self.logger = logger
        concurrency = max(1, min(16, capacity / 4))
        (stream, continuation) = AsyncStream.makeStream(of: DeployNotice.self, bufferingPolicy: .bufferingNewest(max(1, capacity - concurrency)))
    }

    public var stats: Stats { counts.withLock { $0 } }

    /// Queues notices for delivery; returns at once.
    public func post(_ notices: [DeployNotice]) {
        for notice in notices where hooks.contains(where: { $0.wants(notice) }) {
            if case .dropped(let old) = continuation.yield(notice) {
                counts.withLock { $0.dropped += 1 }
                Counter(label: MetricFamily.notificationsTotal.name, dimensions: [("event", old.event.rawValue), ("result", "dropped")]).increment()
            }
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // A notice is taken off the queue only once a delivery slot is free, so what is
                // held stays bounded: the queue (the stream's buffer) plus `concurrency` notices
                // being delivered (each to its team's hooks at once).
                var inFlight = 0
                var queue = stream.makeAsyncIterator()
                while true {
                    if inFlight >= concurrency {
                        await group.next()
                        inFlight -= 1
                    }
                    guard let notice = await queue.next() else { break }
                    inFlight += 1
                    group.addTask {
                        await withTaskGroup(of: Void.self) { hooks in
                            for hook in self.hooks where hook.wants(notice) {
                                hooks.addTask { await self.deliver(notice, to: hook) }
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    /// `/readyz`'s line: counts and the last failure; never a URL or a team.
    public var summary: String {
        let stats = stats
        var text = "\(hooks.count) webhook\(hooks.count == 1 ? "" : "s"): \(stats.delivered) delivered, \(stats.failed) failed, \(stats.dropped) dropped"
        if let last = stats.lastFailure { text += "; last failure: \(last)" }
        return text
    }

    func deliver(_ notice: DeployNotice, to hook: NotifyHook) async {
        let body = Self.body(notice)
        let delivery = UUID().uuidString.lowercased()
        var last = ""
        for attempt in 1...hook.attempts {
            if attempt > 1 {
                let delay = hook.delay(before: attempt) * Double.random(in: 0.8..<1.2)
                // A stop does not wait out a backoff: what is not delivered by then is given up.
                do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) } } catch { break }
            }
            let outcome = await send(body, notice: notice, delivery: delivery, attempt: attempt, to: hook)
            Counter(label: MetricFamily.notificationAttemptsTotal.name, dimensions: [("result", outcome.ok ? "ok" : "error")]).increment()
            if outcome.ok {
                counts.withLock { $0.delivered += 1 }
                Counter(label: MetricFamily.notificationsTotal.name, dimensions: [("event", notice.event.rawValue), ("result", "delivered")]).increment()
                return
            }
            last = outcome.problem
            if !outcome.retry { break }
        }
        let failure = "\(notice.event.rawValue): \(last) (gave up)"
        counts.withLock {
            $0.failed += 1
            $0.lastFailure = failure
        }
        Counter(label: MetricFamily.notificationsTotal.name, dimensions: [("event", notice.event.rawValue), ("result", "failed")]).increment()
        logger.warning("a deploy notification was not delivered", metadata: [
            "team": "\(hook.team)", "webhook": "\(hook.shownURL)", "event": "\(notice.event.rawValue)",
            "environment": "\(notice.project)/\(notice.environment)", "error": "\(last)",
        ])
    }

    private func send(_ body: Data, notice: DeployNotice, delivery: String, attempt: Int, to hook: NotifyHook) async -> (ok: Bool, retry: Bool, problem: String) {
        let attempts = "after \(attempt) attempt\(attempt == 1 ? "" : "s")"
        guard let host = hook.url.host else { return (false, false, "the webhook URL has no host") }
        // Resolved and checked now, and the connection pinned to the checked address.
        let address: String
        do {
            address = try await WebhookAddressPolicy.pinnedAddress(for: host, allowPrivate: hook.allowPrivate)
        } catch let error as WebhookAddressError {
            if case .refused = error { return (false, false, "\(error)") }
            return (false, true, "no answer (\(error)) \(attempts)")
        } catch {
            return (false, true, "no answer (\(error)) \(attempts)")
        }
        var request = HTTPClientRequest(url: hook.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "codeb/\(CodebVersion.current)")
        request.headers.add(name: "X-Codeb-Event", value: notice.event.rawValue)
        request.headers.add(name: "X-Codeb-Delivery", value: delivery)
        request.headers.add(name: "X-Codeb-Attempt", value: String(attempt))
        if let secret = hook.secret {
            let timestamp = String(Int(Date().timeIntervalSince1970))
            request.headers.add(name: "X-Codeb-Timestamp", value: timestamp)
            request.headers.add(name: "X-Codeb-Signature", value: Self.signature(body, timestamp: timestamp, secret: secret))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.dnsOverride = [host: address]
        // A refused connection fails this attempt at once; retrying is this notifier's job (with
        // its backoff), not the pool's, whose pending retries could hold up the client's shutdown.
        configuration.connectionPool.retryConnectionEstablishment = false
        // A client per attempt: the pinned address is the client's, and deliveries are rare.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let outcome: (ok: Bool, retry: Bool, problem: String)
        do {
            // The client's own timeout, and ours around it: an attempt never outlives it by more
            // than a second, whatever the connection does (one was seen hanging past the
            // client's deadline under a loaded test run, holding its delivery slot).
            let limit = timeout, request = request
            let code = try await withDeadline(timeout + .seconds(1), timeout: { DeliveryTimeout(limit: limit) }) {
                let response = try await client.execute(request, timeout: .nanoseconds(Int64(limit.inNanoseconds)))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                return Int(response.status.code)
            }
            if (200..<300).contains(code) {
                outcome = (true, false, "")
            } else if (300..<400).contains(code) {
                outcome = (false, false, "HTTP \(code): a redirect, not followed \(attempts)")
            } else {
                outcome = (false, code >= 500 || code == 408 || code == 429, "HTTP \(code) \(attempts)")
            }
        } catch {
            outcome = (false, true, "no answer (\(error)) \(attempts)")
        }
        // Shut down without waiting: a delivery's outcome never waits on the client's teardown.
        Task { try? await client.shutdown() }
        return outcome
    }

    /// `sha256=` and the hex HMAC-SHA256 of `timestamp.body`: a receiver checks it and that the
    /// timestamp is recent, so a captured delivery cannot be replayed later (docs/operating.md).
    public static func signature(_ body: Data, timestamp: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((timestamp + ".").utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func body(_ notice: DeployNotice) -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(notice)) ?? Data()
    }
}

extension NotifyHook {
    func wants(_ notice: DeployNotice) -> Bool {
        team.value == notice.team && events.contains(notice.event)
    }
}

/// An attempt that got no answer in its time.
struct DeliveryTimeout: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "no answer within \(limit)" }
}
