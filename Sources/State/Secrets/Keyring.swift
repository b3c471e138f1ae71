import Foundation

/// What one controller says of the secret keys it holds — its heartbeat in the store — so a
/// key rotation on one host of several never leaves another unable to read a value.
public struct KeyReport: Sendable, Hashable, Codable {
    public var node: String
    /// The ids of the keys in its key file.
    public var held: [String]
    /// The key it seals new values with.
    public var current: String
    public var at: Date

    public init(node: String, held: [String], current: String, at: Date) {
        self.node = node
        self.held = held.sorted()
        self.current = current
        self.at = at
    }
}

/// The controllers' shared view of the secret keys: each node's last report, the key a rotation
/// waits for every live node to hold (`staged`), and the key every node seals with once a
/// rotation completed (`sealing`).
public struct Keyring: Sendable, Hashable, Codable {
    public var reports: [KeyReport] = []
    public var staged: String?
    public var sealing: String?

    public init(reports: [KeyReport] = [], staged: String? = nil, sealing: String? = nil) {
        self.reports = reports
        self.staged = staged
        self.sealing = sealing
    }

    /// Reports younger than `window` before `now`: the nodes that count.
    public func live(at now: Date, within window: TimeInterval) -> [KeyReport] {
        reports.filter { now.timeIntervalSince($0.at) <= window }
    }

    /// The live nodes (other than `node`) that do not hold `key`.
    public func lacking(_ key: String, at now: Date, within window: TimeInterval, besides node: String) -> [String] {
        live(at: now, within: window).filter { $0.node != node && !$0.held.contains(key) }.map(\.node).sorted()
    }

    public mutating func record(_ report: KeyReport) {
        reports.removeAll { $0.node == report.node }
        reports.append(report)
        reports.sort { $0.node < $1.node }
    }
}
