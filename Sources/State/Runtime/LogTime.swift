import Foundation

/// When the engine stamped a log line, to the nanosecond: the cursor a log follower resumes
/// from (`since=`, an SSE event's id). Written as `seconds.nanoseconds` since 1970, which is
/// also what the Docker Engine's `since` takes.
public struct LogTime: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int64

    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// `1733241600`, `1733241600.5`, `1733241600.123456789`, or an RFC 3339 time with up to nine
    /// fractional digits (`2026-12-03T16:00:00.123456789Z`, as the engine stamps lines); nil
    /// for anything else.
    public init?(parsing text: some StringProtocol) {
        let text = String(text)
        guard !text.isEmpty, text.count <= 40 else { return nil }
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let seconds = Int64(parts[0]),
                  let nanoseconds = Self.fraction(parts.count == 2 ? parts[1] : "")
            else { return nil }
            self.init(seconds: seconds, nanoseconds: nanoseconds)
            return
        }
        // RFC 3339: the whole seconds by the formatter, the fraction by hand (it drops past ms).
        var whole = text, fraction: Substring = ""
        if let dot = text.firstIndex(of: ".") {
            let end = text[dot...].firstIndex { !($0.isNumber || $0 == ".") } ?? text.endIndex
            fraction = text[text.index(after: dot)..<end]
            whole = String(text[..<dot] + text[end...])
        }
        guard let date = ISO8601DateFormatter().date(from: whole), let nanoseconds = Self.fraction(fraction) else { return nil }
        self.init(seconds: Int64(date.timeIntervalSince1970.rounded()), nanoseconds: nanoseconds)
    }

    private static func fraction(_ digits: Substring) -> Int64? {
        guard digits.count <= 9, digits.allSatisfy(\.isNumber) else { return nil }
        return Int64(digits.padding(toLength: 9, withPad: "0", startingAt: 0))
    }

    public var description: String { "\(seconds).\(String(format: "%09lld", nanoseconds))" }

    public static func < (lhs: LogTime, rhs: LogTime) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}
