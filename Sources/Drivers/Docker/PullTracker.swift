import Foundation
import State

/// Reads the engine's pull stream (one JSON object a line): sums the layers' bytes, notes the
/// manifest digest (`Digest: sha256:…`) and the error line a failed pull ends with.
struct PullTracker {
    private var layers: [String: (current: Int64, total: Int64)] = [:]
    private(set) var digest: String?
    /// Whether the last line (or the last chunk fed) moved the totals.
    private(set) var changed = false
    /// The start of a line whose end has not come yet.
    private var pending = Data()

    /// Takes a chunk of the stream as it arrives; returns the error a complete line reports.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> String? {
        pending.append(contentsOf: bytes)
        var moved = false
        defer { changed = moved }
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[pending.startIndex..<newline]
            pending = Data(pending[pending.index(after: newline)...])
            if let message = read(line) { return message }
            moved = moved || changed
        }
        return nil
    }

    /// The stream ended: reads a last line that had no line break.
    mutating func finish() -> String? {
        defer { pending = Data() }
        return read(pending[...])
    }

    var progress: PullProgress {
        PullProgress(current: layers.values.reduce(0) { $0 + $1.current }, total: layers.values.reduce(0) { $0 + $1.total })
    }

    /// Takes one line; returns the error it reports, if any.
    mutating func read(_ line: Data.SubSequence) -> String? {
        changed = false
        guard !line.isEmpty, let wire = try? JSONDecoder().decode(DockerPullLineWire.self, from: Data(line)) else { return nil }
        if let message = wire.errorDetail?.message ?? wire.error { return message }
        guard let status = wire.status else { return nil }
        if status.hasPrefix("Digest: ") {
            digest = String(status.dropFirst("Digest: ".count))
            return nil
        }
        guard let id = wire.id else { return nil }
        switch status {
        case "Downloading":
            if let current = wire.progressDetail?.current, let total = wire.progressDetail?.total, total > 0 {
                layers[id] = (current, total)
                changed = true
            }
        case "Download complete", "Pull complete", "Already exists":
            // A layer whose size was never said (already here) counts as done at what was seen.
            if let seen = layers[id], seen.current != seen.total {
                layers[id] = (seen.total, seen.total)
                changed = true
            }
        default:
            break
        }
        return nil
    }
}
