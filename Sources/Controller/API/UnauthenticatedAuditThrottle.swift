import Foundation
import Synchronization

/// Attempts without a valid key are audited — but anyone who can reach the port can make
/// them, and one fsync'd line each would let a flood fill the disk. So per source address, the
/// first `burst` attempts of a minute are written and the rest of that minute are counted; the
/// next entry written for that address says how many were not. At most `addresses` sources are told apart
/// (beyond that they share one count, `*`), so the throttle's own memory is bounded too.
final class UnauthenticatedAuditThrottle: Sendable {
    struct Window {
        var start: Date
        var written: Int
        var suppressed: Int
    }

    let window: TimeInterval
    let burst: Int
    let addresses: Int
    private let windows = Mutex<[String: Window]>([:])

    init(window: TimeInterval = 60, burst: Int = 10, addresses: Int = 4096) {
        self.window = window
        self.burst = max(1, burst)
        self.addresses = addresses
    }

    /// Whether to write this attempt from `source` at `now`, and how many earlier attempts of
    /// that source went unwritten since the last entry.
    func admit(_ source: String, at now: Date) -> (write: Bool, unwritten: Int) {
        windows.withLock { windows in
            // Windows long over carry only a count still to report; past the bound, forget the
            // oldest finished ones first.
            if windows[source] == nil, windows.count >= addresses {
                let finished = windows.filter { now.timeIntervalSince($0.value.start) >= window }.map(\.key)
                for key in finished.prefix(max(1, windows.count - addresses + 1)) { windows[key] = nil }
            }
            let key = windows[source] != nil || windows.count < addresses ? source : "*"
            if var current = windows[key], now.timeIntervalSince(current.start) < window {
                guard current.written < burst else {
                    current.suppressed += 1
                    windows[key] = current
                    return (false, 0)
                }
                current.written += 1
                windows[key] = current
                return (true, 0)
            }
            let unwritten = windows[key]?.suppressed ?? 0
            windows[key] = Window(start: now, written: 1, suppressed: 0)
            return (true, unwritten)
        }
    }
}
