import Foundation
import Metrics
import State

/// `TrafficSource` on Caddy's access logs: each live environment's site writes one JSON line per
/// request to `{directory}/{stem}.log` (`CaddySiteRenderer.accessLog`), which this follows —
/// rolls included — into a `TrafficWindow` per upstream port, and counts into
/// `codeb_http_requests_total` and `codeb_http_request_seconds`.
///
/// A file, not a socket, on purpose: Caddy never waits for the controller (a stopped reader of
/// `output net` blocks every request of the site). After a restart each file is read again from
/// its start, so the windows — and a bake in progress — get back the last hour (what the
/// current file holds); the counters count only requests that ended after the start, so they
/// do not count a request twice.
public actor CaddyAccessLogs: TrafficSource {
    /// One followed file and the windows filled from it.
    final class Followed {
        var target: TrafficTarget
        var follower: LogFollower
        /// By upstream port: a port keeps its meaning while a slot holds it, and "since the
        /// switch" then reads only what came after.
        var windows: [Int: TrafficWindow] = [:]

        init(target: TrafficTarget, path: String) {
            self.target = target
            self.follower = LogFollower(path: path)
        }
    }

    let router: CaddyRouter
    let started: Date
    var followed: [EnvironmentKey: Followed] = [:]

    public init(router: CaddyRouter, started: Date = Date()) {
        self.router = router
        self.started = started
    }

    public func unwatched() async -> String? {
        guard let decided = await router.accessLogs() else { return "not decided yet (Caddy not reached)" }
        return decided.directory == nil ? decided.reason ?? "no access log" : nil
    }

    public func traffic(_ target: TrafficTarget, since: [SlotName: Date], until: Date) async -> [SlotName: TrafficWindow.Summary] {
        guard let directory = await router.accessLogs()?.directory else { return [:] }
        let path = CaddySiteRenderer.accessLogPath(directory, target.key)
        let entry: Followed
        if let known = followed[target.key], known.follower.path == path {
            known.target = target
            entry = known
        } else {
            entry = Followed(target: target, path: path)
            followed[target.key] = entry
        }
        // Up to this moment, whatever the poll has read: a verdict sees every request logged.
        read(entry)
        var summaries: [SlotName: TrafficWindow.Summary] = [:]
        for (slot, from) in since {
            guard let port = target.ports[slot] else { continue }
            summaries[slot] = entry.windows[port]?.summary(from: from, to: until) ?? TrafficWindow.Summary()
        }
        return summaries
    }

    public func report(_ key: EnvironmentKey, ports: [SlotName: Int], since: [SlotName: Date], now: Date) async -> [SlotName: SlotTraffic] {
        guard let entry = followed[key] else { return [:] }
        var report: [SlotName: SlotTraffic] = [:]
        for (slot, port) in ports {
            let window = entry.windows[port] ?? TrafficWindow()
            report[slot] = SlotTraffic(
                lastMinute: window.summary(from: now.addingTimeInterval(-60), to: now),
                sinceSwitch: since[slot].map { window.summary(from: $0, to: now) },
                minutes: window.perMinute(until: now)
            )
        }
        return report
    }

    public func forget(_ key: EnvironmentKey) async {
        followed[key] = nil
    }

    public func poll() async -> Set<EnvironmentKey> {
        var news = Set<EnvironmentKey>()
        for (key, entry) in followed where read(entry) && entry.target.baking {
            news.insert(key)
        }
        return news
    }

    /// Reads `entry`'s new lines; whether any was a request to one of its slots.
    @discardableResult
    func read(_ entry: Followed) -> Bool {
        let target = entry.target
        let slots = Dictionary(target.ports.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        var any = false
        while true {
            let lines = entry.follower.read()
            if lines.isEmpty { return any }
            for line in lines {
                guard let request = AccessLogEntry(line: line), let upstream = request.upstream,
                      let port = upstream.split(separator: ":").last.flatMap({ Int($0) })
                else { continue }
                entry.windows[port, default: TrafficWindow()].add(end: request.end, status: request.status, refused: request.refused, duration: request.duration)
                guard let slot = slots[port] else { continue }
                any = true
                guard request.end >= started else { continue }
                let labels = [
                    ("team", target.team), ("project", target.key.project.value), ("environment", target.key.environment.value), ("slot", slot.rawValue),
                ]
                Counter(label: MetricFamily.httpRequestsTotal.name, dimensions: labels + [("class", Self.statusClass(request))]).increment()
                Timer(label: MetricFamily.httpRequestSeconds.name, dimensions: labels).recordSeconds(request.duration)
            }
        }
    }

    /// `2xx` … `5xx`, or `refused` for a connection nothing accepted (not counted as `5xx`).
    static func statusClass(_ entry: AccessLogEntry) -> String {
        entry.refused ? "refused" : "\(min(5, max(1, entry.status / 100)))xx"
    }
}
