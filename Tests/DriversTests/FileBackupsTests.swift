import Drivers
import Foundation
import State
import Testing

/// Backups on disk: listed newest first, pruned to `keep`, wherever the backup directory is.
struct FileBackupsTests {
    @Test func aRootWhoseNameHoldsDotBackupListsAndPrunesItsBackups() throws {
        let files = FileBackups(root: NSTemporaryDirectory() + "codeb.backups-" + UUID().uuidString.prefix(8))
        defer { try? FileManager.default.removeItem(atPath: files.root) }
        var records: [BackupRecord] = []
        for second in 0..<3 {
            let record = BackupRecord(
                id: "20261205T14120\(second)000Z-00000\(second)", team: "acme", project: "shop", environment: "production", service: "db",
                createdAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(second)), bytes: 10, storedBytes: 20, seconds: 0.1,
                image: "postgres:16", trigger: "manual"
            )
            _ = try files.prepare(team: "acme", project: "shop", environment: "production", service: "db")
            #expect(FileManager.default.createFile(atPath: files.path(record), contents: Data("x".utf8)))
            try files.record(record)
            records.append(record)
        }
        #expect(files.list(team: "acme", project: "shop", environment: "production", service: "db").map(\.id) == records.reversed().map(\.id))
        #expect(files.newest(team: "acme", project: "shop", environment: "production", service: "db")?.id == records[2].id)
        let pruned = files.prune(team: "acme", project: "shop", environment: "production", service: "db", keep: 2)
        #expect(pruned.map(\.id) == [records[0].id])
        #expect(!FileManager.default.fileExists(atPath: files.path(records[0])))
        #expect(files.list(team: "acme", project: "shop", environment: "production", service: "db").count == 2)
        #expect(files.list(team: "other", project: "shop", environment: "production", service: "db").isEmpty, "another team's directory is another")
    }
}
