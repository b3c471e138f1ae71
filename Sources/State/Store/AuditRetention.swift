import Foundation

/// How much audit log a controller keeps. The file store rotates `audit.jsonl` past `maxBytes`
/// into `audit.jsonl.1` … `.{keepFiles}` and deletes rotated files older than `maxAge`;
/// PostgreSQL deletes rows older than `maxAge` (checked at most once an hour).
public struct AuditRetention: Sendable, Hashable {
    public var maxBytes: Int
    public var keepFiles: Int
    public var maxAge: TimeInterval

    public init(maxBytes: Int = 64 << 20, keepFiles: Int = 4, maxAge: TimeInterval = 365 * 86_400) {
        self.maxBytes = max(4096, maxBytes)
        self.keepFiles = max(1, keepFiles)
        // Finite: the cutoff is a time a database can hold.
        self.maxAge = min(max(maxAge, 3600), 100 * 365 * 86_400)
    }

    public static let standard = AuditRetention()
}
