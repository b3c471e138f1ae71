@testable import Drivers
import Foundation
import State
import Testing

/// The cursor a log follower resumes from, and the decoder taking the engine's stamps off.
@Suite struct LogTimeTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var text: String
        var expected: String?
        var testDescription: String { text.debugDescription }
    }

    static let rows: [Row] = [
        Row(text: "1733241600", expected: "1733241600.000000000"),
        Row(text: "1733241600.5", expected: "1733241600.500000000"),
        Row(text: "1733241600.123456789", expected: "1733241600.123456789"),
        Row(text: "2024-12-03T16:00:00.123456789Z", expected: "1733241600.123456789"),
        Row(text: "2024-12-03T16:00:00Z", expected: "1733241600.000000000"),
        Row(text: "1733241600.1234567891", expected: nil),
        Row(text: "1.2.3", expected: nil),
        Row(text: "yesterday", expected: nil),
        Row(text: "", expected: nil),
        Row(text: "-5", expected: nil),
        Row(text: String(repeating: "9", count: 41), expected: nil),
    ]

    @Test(arguments: rows)
    func parsing(_ row: Row) {
        #expect(LogTime(parsing: row.text)?.description == row.expected)
    }

    @Test func theDecoderTakesStampsOffAndDropsWhatAResumedFollowerSaw() {
        func frame(_ text: String) -> [UInt8] {
            let bytes = Array(text.utf8)
            return [1, 0, 0, 0] + withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init) + bytes
        }
        let stream = frame("2024-12-03T16:00:00.000000001Z one\n2024-12-03T16:00:00.000000002Z two\n") + frame("2024-12-03T16:00:00.000000003Z three\n")
        var all = DockerLogDecoder(timestamps: true)
        #expect(all.feed(stream).map(\.text) == ["one", "two", "three"])
        var resumed = DockerLogDecoder(timestamps: true, after: LogTime(parsing: "1733241600.000000002"))
        let lines = resumed.feed(stream)
        #expect(lines.map(\.text) == ["three"])
        #expect(lines.first?.at == LogTime(seconds: 1_733_241_600, nanoseconds: 3))
    }
}
