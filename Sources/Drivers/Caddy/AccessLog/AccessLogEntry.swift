import Foundation

/// One request as Caddy's JSON access log writes it (`format json`, with `log_append upstream`
/// and `upstream_latency` on Caddy ≥ 2.8): what traffic-per-slot counts are made of.
public struct AccessLogEntry: Sendable, Hashable {
    /// When the request ended (`ts`); it started `duration` earlier.
    public var end: Date
    /// The Host the client asked for, without a port, lower case.
    public var host: String
    public var status: Int
    /// Seconds from the request's start to its end, as Caddy measured it.
    public var duration: Double
    /// The upstream Caddy dialed (`127.0.0.1:4101`), also on a 502; nil when none was (Caddy answered itself).
    public var upstream: String?
    /// Milliseconds the upstream took; nil on a refused connection (a 502 with an upstream and
    /// no latency was never answered) or on Caddy < 2.8, which has no `log_append`.
    public var upstreamLatency: Double?

    public init(end: Date, host: String, status: Int, duration: Double, upstream: String? = nil, upstreamLatency: Double? = nil) {
        self.end = end
        self.host = host
        self.status = status
        self.duration = duration
        self.upstream = upstream
        self.upstreamLatency = upstreamLatency
    }

    /// Whether the upstream refused the connection: a 502 naming an upstream that never answered.
    public var refused: Bool { status == 502 && upstream != nil && upstreamLatency == nil }

    /// The entry a log line holds, or nil for a line that is not one (another logger, a line cut
    /// by a roll, garbage).
    public init?(line: some StringProtocol) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let ts = object["ts"] as? Double, let status = object["status"] as? Int,
              let request = object["request"] as? [String: Any], let host = request["host"] as? String
        else { return nil }
        self.end = Date(timeIntervalSince1970: ts)
        self.host = Self.withoutPort(host).lowercased()
        self.status = status
        self.duration = (object["duration"] as? Double) ?? 0
        // `log_append` writes the placeholder's value; an empty one means none was dialed.
        let upstream = object["upstream"] as? String
        self.upstream = upstream?.isEmpty == false ? upstream : nil
        self.upstreamLatency = object["upstream_latency"] as? Double
    }

    /// `app.test:8443` → `app.test`; `[::1]:80` → `::1`.
    static func withoutPort(_ host: String) -> String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[host.index(after: host.startIndex)..<close]) }
        guard let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon else { return host }
        return String(host[..<colon])
    }
}
