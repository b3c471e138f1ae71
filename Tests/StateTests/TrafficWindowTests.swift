import Foundation
import State
import Testing

/// Per-slot traffic counts: to the second for five minutes, to the minute for an hour, with
/// percentiles within a bucket's width (25 %).
@Suite struct TrafficWindowTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func countsAndErrorSharesSinceAMoment() {
        var window = TrafficWindow()
        for index in 0..<300 {
            window.add(end: Self.t0.addingTimeInterval(Double(index) / 10), status: index % 3 == 0 ? 500 : 200, refused: false, duration: 0.01)
        }
        let all = window.summary(from: Self.t0, to: Self.t0.addingTimeInterval(30))
        #expect(all.requests == 300 && all.serverErrors == 100)
        #expect(abs(all.errorRate - 1.0 / 3) < 0.001)
        let lastTen = window.summary(from: Self.t0.addingTimeInterval(20), to: Self.t0.addingTimeInterval(30))
        #expect(lastTen.requests == 100, "to the second")
    }

    @Test func perMinuteIsTheLastHourOldestFirstWithQuietMinutesAtZero() throws {
        var window = TrafficWindow()
        let minute = Self.t0.addingTimeInterval(-Self.t0.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
        for index in 0..<10 { window.add(end: minute.addingTimeInterval(Double(index)), status: index < 4 ? 502 : 200, refused: false, duration: 0.01) }
        window.add(end: minute.addingTimeInterval(-120), status: 200, refused: false, duration: 0.01)
        window.add(end: minute.addingTimeInterval(-7200), status: 200, refused: false, duration: 0.01)   // older than the hour
        let series = window.perMinute(until: minute.addingTimeInterval(30))
        #expect(series.count == 60)
        #expect(series.first?.start == minute.addingTimeInterval(-59 * 60) && series.last?.start == minute)
        let last = try #require(series.last)
        #expect(last.requests == 10 && last.serverErrors == 4)
        #expect(series[57].requests == 1 && series[58].requests == 0)
        #expect(series.map(\.requests).reduce(0, +) == 11)
    }

    @Test func percentilesFallInTheRightBucket() throws {
        var window = TrafficWindow()
        for index in 0..<100 {
            window.add(end: Self.t0, status: 200, refused: false, duration: index < 90 ? 0.010 : 0.800)
        }
        let summary = window.summary(from: Self.t0, to: Self.t0.addingTimeInterval(1))
        let p50 = try #require(summary.p50), p95 = try #require(summary.p95)
        #expect(p50 >= .milliseconds(10) && p50 <= .milliseconds(13), "\(p50)")
        #expect(p95 >= .milliseconds(800) && p95 <= .milliseconds(1000), "\(p95)")
    }

    @Test func refusedConnectionsAreServerErrorsCountedApart() {
        var window = TrafficWindow()
        window.add(end: Self.t0, status: 502, refused: true, duration: 0.001)
        window.add(end: Self.t0, status: 502, refused: false, duration: 0.001)
        let summary = window.summary(from: Self.t0, to: Self.t0.addingTimeInterval(1))
        #expect(summary.serverErrors == 2 && summary.refused == 1)
    }

    @Test func anHourIsKeptByTheMinuteAndOlderIsForgotten() {
        var window = TrafficWindow()
        for minute in 0..<120 {
            window.add(end: Self.t0.addingTimeInterval(Double(minute * 60)), status: 200, refused: false, duration: 0.01)
        }
        let now = Self.t0.addingTimeInterval(120 * 60)
        let hour = window.summary(from: now.addingTimeInterval(-3600), to: now)
        #expect(hour.requests == 60, "the last hour's, by the minute")
        #expect(window.summary(from: Self.t0, to: Self.t0.addingTimeInterval(60)).requests == 0, "two hours ago is gone")
    }
}
