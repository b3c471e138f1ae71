import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keys in `keys.json` and the audit log in `audit.jsonl`, in the state directory. Both are
/// shared between the running controller and `codeb keys create` on the same host, so every
/// access takes a short `flock` on `keys.lock` and reads the file afresh.
public struct FileKeyStore: KeyStore {
    public let directory: String

    public init(directory: String) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.io, "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
    }

    private var keysPath: String { directory + "/keys.json" }
    private var auditPath: String { directory + "/audit.jsonl" }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        let path = directory + "/keys.lock"
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        // Keys must still be readable (every request authenticates) on a read-only state dir.
        if descriptor < 0, errno == EROFS { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw StoreError(.io, "cannot open \(path): \(String(cString: strerror(errno)))" + AtomicFile.advice(errno)) }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw StoreError(.io, "cannot lock \(path): \(String(cString: strerror(errno)))") }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private func read() throws -> [KeyRecord] {
        guard let data = FileManager.default.contents(atPath: keysPath) else { return [] }
        do {
            return try JSONDecoder().decode([KeyRecord].self, from: data)
        } catch {
            throw StoreError(.corrupt, "\(keysPath) is not a valid key file (\(error)); restore it from a backup")
        }
    }

    private func write(_ keys: [KeyRecord]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try AtomicFile.write(try encoder.encode(keys), to: keysPath, permissions: 0o600)
        } catch let error as FileSystemError {
            throw StoreError(.io, error.message)
        }
    }

    public func keys() throws -> [KeyRecord] {
        try locked { try read() }
    }

    public func add(_ key: KeyRecord) throws {
        try locked { try write(try read() + [key]) }
    }

    public func revoke(id: String, at time: Date) throws -> KeyRecord? {
        try locked {
            var keys = try read()
            guard let index = keys.firstIndex(where: { $0.id == id && $0.revokedAt == nil }) else { return nil }
            keys[index].revokedAt = time
            try write(keys)
            return keys[index]
        }
    }

    public func audit(_ entry: AuditEntry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        try locked {
            let descriptor = open(auditPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw StoreError(.io, "cannot open \(auditPath): \(String(cString: strerror(errno)))") }
            defer { close(descriptor) }
            let end = lseek(descriptor, 0, SEEK_END)
            let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count, fsync(descriptor) == 0 else {
                let code = errno
                // A partial line (a full disk) would merge with the next entry: cut it off.
                if end >= 0 { _ = ftruncate(descriptor, end) }
                throw StoreError(.io, "cannot append to \(auditPath): \(String(cString: strerror(code)))" + AtomicFile.advice(code))
            }
        }
    }

    public func auditLog(team: String?, limit: Int) throws -> [AuditEntry] {
        let data = try locked { FileManager.default.contents(atPath: auditPath) } ?? Data()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let entries = data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(AuditEntry.self, from: Data($0)) }
        let filtered = team.map { team in entries.filter { $0.team == team } } ?? entries
        return Array(filtered.suffix(limit))
    }
}
