import State

/// Splits Docker's multiplexed log stream (containers without a TTY) into lines.
///
/// Each frame is an 8-byte header — stream (1 stdout, 2 stderr), three zero bytes, a big-endian
/// 32-bit length — followed by that many bytes. Frames split lines arbitrarily, and chunks
/// split frames arbitrarily, so both are buffered.
struct DockerLogDecoder {
    /// Lines start with the engine's stamp and a space (`timestamps=1`), taken off into `at`.
    var timestamps = false
    /// Lines stamped at or before this are dropped (a resumed follower saw them).
    var after: LogTime?
    private var pending: [UInt8] = []
    private var start = 0
    private var partial: [LogLine.Stream: [UInt8]] = [:]

    init(timestamps: Bool = false, after: LogTime? = nil) {
        self.timestamps = timestamps
        self.after = after
    }

    /// Consumes `bytes`; returns the lines they complete.
    mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [LogLine] where Bytes.Element == UInt8 {
        pending.append(contentsOf: bytes)
        var lines: [LogLine] = []
        while pending.count - start >= 8 {
            let size = pending[(start + 4)..<(start + 8)].reduce(0) { $0 << 8 | Int($1) }
            guard pending.count - start >= 8 + size else { break }
            let stream: LogLine.Stream = pending[start] == 2 ? .stderr : .stdout
            let payload = pending[(start + 8)..<(start + 8 + size)]
            start += 8 + size
            var buffer = partial[stream, default: []]
            for byte in payload {
                if byte == UInt8(ascii: "\n") {
                    if let line = line(stream, buffer) { lines.append(line) }
                    buffer.removeAll(keepingCapacity: true)
                } else {
                    buffer.append(byte)
                }
            }
            partial[stream] = buffer
        }
        // Drop consumed bytes once they dominate, so a long stream stays linear.
        if start > 64 * 1024, start * 2 > pending.count {
            pending.removeFirst(start)
            start = 0
        }
        return lines
    }

    /// The unterminated last line of each stream, at the end of the stream.
    mutating func finish() -> [LogLine] {
        let lines = [LogLine.Stream.stdout, .stderr].compactMap { stream -> LogLine? in
            guard let buffer = partial[stream], !buffer.isEmpty else { return nil }
            return line(stream, buffer)
        }
        partial.removeAll()
        return lines
    }

    private func line(_ stream: LogLine.Stream, _ bytes: [UInt8]) -> LogLine? {
        guard timestamps, let space = bytes.prefix(40).firstIndex(of: UInt8(ascii: " ")),
              let at = LogTime(parsing: String(decoding: bytes[..<space], as: UTF8.self))
        else { return LogLine(stream: stream, text: Self.text(bytes[...])) }
        if let after, at <= after { return nil }
        return LogLine(stream: stream, text: Self.text(bytes[(space + 1)...]), at: at)
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
