import Foundation
import State

/// Backups on disk under `--backup-dir`: `{team}/{project}/{environment}/{service}/{id}.backup`
/// (encrypted, mode 0600) with `{id}.json` beside it (the listing, no secret). A team's backups
/// are under its own directory; nothing is found by a name another team could choose.
public struct FileBackups: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// RFC 3339 to the millisecond: two backups of one second still sort by time.
    static var timestamp: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    public func directory(team: String, project: String, environment: String, service: String) -> String {
        [root, team, project, environment, service].joined(separator: "/")
    }

    public func path(_ record: BackupRecord) -> String { file(record, "backup") }

    /// Its listing beside it. Built from the id, not by editing `path`: the root may itself
    /// contain `.backup` (`/srv/db.backups`).
    func listingPath(_ record: BackupRecord) -> String { file(record, "json") }

    private func file(_ record: BackupRecord, _ suffix: String) -> String {
        directory(team: record.team, project: record.project, environment: record.environment, service: record.service) + "/\(record.id).\(suffix)"
    }

    /// Creates the service's directory (0700 along the way).
    public func prepare(team: String, project: String, environment: String, service: String) throws -> String {
        let directory = directory(team: team, project: project, environment: environment, service: service)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return directory
    }

    /// Records a finished backup's listing (after its file is in place).
    public func record(_ record: BackupRecord) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.timestamp.string(from: date))
        }
        encoder.outputFormatting = [.sortedKeys]
        let path = listingPath(record)
        try encoder.encode(record).write(to: URL(fileURLWithPath: path + ".partial"))
        guard rename(path + ".partial", path) == 0 else { throw BackupCipher.Failure(description: "cannot rename \(path).partial: errno \(errno)") }
    }

    /// The service's backups whose file is in place, newest first.
    public func list(team: String, project: String, environment: String, service: String) -> [BackupRecord] {
        let directory = directory(team: team, project: project, environment: environment, service: service)
        return listings(directory).compactMap { read(directory, $0) }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// The newest of them, reading one listing (ids begin with their time): what the reconciler
    /// asks every pass for a service with a schedule.
    public func newest(team: String, project: String, environment: String, service: String) -> BackupRecord? {
        let directory = directory(team: team, project: project, environment: environment, service: service)
        return listings(directory).sorted(by: >).lazy.compactMap { read(directory, $0) }.first
    }

    private func listings(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }
    }

    /// One listing, when its backup's file is in place.
    private func read(_ directory: String, _ name: String) -> BackupRecord? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Self.timestamp.date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a time: \(text)"))
            }
            return date
        }
        guard let data = FileManager.default.contents(atPath: directory + "/" + name),
              let record = try? decoder.decode(BackupRecord.self, from: data),
              FileManager.default.fileExists(atPath: path(record)) else { return nil }
        return record
    }

    /// Removes one backup (file and listing).
    public func remove(_ record: BackupRecord) {
        let path = path(record)
        try? FileManager.default.removeItem(atPath: listingPath(record))
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Keeps the newest `keep`, removes the rest; returns the removed.
    @discardableResult
    public func prune(team: String, project: String, environment: String, service: String, keep: Int) -> [BackupRecord] {
        let old = Array(list(team: team, project: project, environment: environment, service: service).dropFirst(max(1, keep)))
        old.forEach(remove)
        return old
    }
}
