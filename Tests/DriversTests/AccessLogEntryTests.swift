import Drivers
import Foundation
import Testing

/// Caddy's JSON access log lines, as measured on Caddy 2.11 with `log_append upstream` and
/// `upstream_latency` (../shared/reference/caddy-prototypes.md), and what is not one.
@Suite struct AccessLogEntryTests {
    static func line(status: Int, upstream: String? = "127.0.0.1:4101", latency: String = "1.25", host: String = "App.test:17080") -> String {
        #"{"level":"info","ts":1733390000.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","proto":"HTTP/1.1","method":"GET","host":"\#(host)","uri":"/"},"bytes_read":0,"user_id":"","duration":0.0042,"size":12,"status":\#(status),"upstream":"\#(upstream ?? "")","upstream_latency":\#(latency)}"#
    }

    @Test func aServedRequestNamesItsUpstreamAndLatency() throws {
        let entry = try #require(AccessLogEntry(line: Self.line(status: 200)))
        #expect(entry.host == "app.test" && entry.status == 200 && entry.upstream == "127.0.0.1:4101")
        #expect(entry.upstreamLatency == 1.25 && entry.duration == 0.0042)
        #expect(entry.end == Date(timeIntervalSince1970: 1733390000.5))
        #expect(!entry.refused)
    }

    @Test func aRefusedConnectionIsA502WithAnUpstreamAndNoLatency() throws {
        let refused = try #require(AccessLogEntry(line: Self.line(status: 502, latency: "null")))
        #expect(refused.refused && refused.upstreamLatency == nil)
        let appError = try #require(AccessLogEntry(line: Self.line(status: 502)))
        #expect(!appError.refused, "the app itself answered 502")
        let caddyItself = try #require(AccessLogEntry(line: Self.line(status: 503, upstream: nil, latency: "null")))
        #expect(caddyItself.upstream == nil && !caddyItself.refused)
    }

    @Test(arguments: ["", "not json", #"{"level":"info","msg":"started"}"#, #"{"ts":1,"status":200}"#, #"{"ts":1,"status":200,"request":{"host":"a"},"upstream":"x""#])
    func whatIsNotARequestLineIsNone(_ line: String) {
        #expect(AccessLogEntry(line: line) == nil)
    }

    @Test(arguments: [("app.test:8443", "app.test"), ("app.test", "app.test"), ("[::1]:80", "::1"), ("::1", "::1")])
    func hostsLoseTheirPort(_ host: String, _ expected: String) throws {
        #expect(try #require(AccessLogEntry(line: Self.line(status: 200, host: host))).host == expected)
    }
}
