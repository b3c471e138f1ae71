import Foundation
import Spec
#if canImport(Glibc)
import Glibc
import State
#endif

/// Keys in `keys.json` and the audit log in `audit.jsonl`, in the state directory. Both are
/// shared between the running controller and `codeb keys create` on the same host, so every
/// access takes a short `flock` on `keys.lock` and reads the file afresh.
public struct FileKeyStore: KeyStore {
    public let directory: String
    public let retention: AuditRetention

    public init(directory: String, retention: AuditRetention = .standard) throws {
        self.directory = directory
        self.retention = retention
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

    private func read() throws -> [KeyRecord] { try readList(keysPath, "key file") }

    private func write(_ keys: [KeyRecord]) throws { try writeList(keys, keysPath) }

    /// A JSON array file; missing is empty.
    private func readList<T: Decodable>(_ path: String, _ what: String) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        do {
            return try JSONDecoder().decode([T].self, from: data)
        } catch {
            throw StoreError(.corrupt, "\(path) is not a valid \(what) (\(error)); restore it from a backup")
        }
    }

    private func writeList<T: Encodable>(_ list: [T], _ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try AtomicFile.write(try encoder.encode(list), to: path, permissions: 0o600)
        } catch let error as FileSystemError {
            throw StoreError(.io, error.message)
        }
    }

    private var teamsPath: String { directory + "/teams.json" }

    private func readTeams() throws -> [TeamRecord] { try readList(teamsPath, "team file") }

    private func writeTeams(_ teams: [TeamRecord]) throws { try writeList(teams, teamsPath) }

    public func teams() throws -> [TeamRecord] {
        try locked {
            var teams = Dictionary(try readTeams().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            // A team that came with its first key: as old as that key.
            for key in try read().sorted(by: { $0.createdAt < $1.createdAt }) where teams[key.team] == nil {
                teams[key.team] = TeamRecord(name: key.team, createdAt: key.createdAt, createdBy: key.createdBy)
            }
            return teams.values.sorted { $0.name < $1.name }
        }
    }

    public func addTeam(_ team: TeamRecord) throws {
        try locked {
            let teams = try readTeams()
            guard !teams.contains(where: { $0.name == team.name }), !(try read()).contains(where: { $0.team == team.name }) else {
                throw StoreError(.conflict, "team \(team.name) exists")
            }
            try writeTeams(teams + [team])
        }
    }

    public func setTeamDomains(_ name: ResourceName, _ domains: [Hostname]?) throws -> Bool {
        try locked {
            var teams = try readTeams()
            if let index = teams.firstIndex(where: { $0.name == name }) {
                teams[index].domains = domains
            } else if let first = try read().filter({ $0.team == name }).min(by: { $0.createdAt < $1.createdAt }) {
                // A team that came with its first key gets its record now, as old as that key.
                teams.append(TeamRecord(name: name, createdAt: first.createdAt, createdBy: first.createdBy, domains: domains))
            } else {
                return false
            }
            try writeTeams(teams)
            return true
        }
    }

    public func removeTeam(_ name: ResourceName) throws -> Bool {
        try locked {
            let teams = try readTeams(), keys = try read()
            guard teams.contains(where: { $0.name == name }) || keys.contains(where: { $0.team == name }) else { return false }
            try write(keys.filter { $0.team != name })
            try writeTeams(teams.filter { $0.name != name })
            return true
        }
    }

    /// Reads the key file each time: `codeb keys revoke --state-dir` may change it beside a
    /// running controller, and a revocation must take effect at once.
    public func key(hash: String) async throws -> KeyRecord? {
        try keys().first { $0.hash == hash }
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
            try rotateAuditIfNeeded(adding: line.count)
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

    /// Newest first through the live file and then the rotated ones, each read backwards in
    /// chunks: a page costs what it returns (plus the entries of other teams it skips), not
    /// the whole log.
    public func auditLog(team: String?, limit: Int, before: Date?) throws -> [AuditEntry] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var found: [AuditEntry] = []
        try locked {
          do {
            for path in [auditPath] + (1...retention.keepFiles).map({ "\(auditPath).\($0)" }) where found.count < limit {
                try AuditFile.linesBackward(path) { line in
                    guard let entry = try? decoder.decode(AuditEntry.self, from: line) else { return true }
                    if let team, entry.team != team { return true }
                    if let before, entry.time >= before { return true }
                    found.append(entry)
                    return found.count < limit
                }
            }
          } catch let error as FileSystemError {
            throw StoreError(.io, error.message)
          }
        }
        return found.reversed()
    }

    /// Past `retention.maxBytes` the live file becomes `audit.jsonl.1` (the rotated ones move
    /// up one, the last is dropped); rotated files older than `retention.maxAge` are deleted.
    private func rotateAuditIfNeeded(adding bytes: Int) throws {
        var status = stat()
        guard stat(auditPath, &status) == 0, Int(status.st_size) + bytes > retention.maxBytes else { return }
        let keep = retention.keepFiles
        unlink("\(auditPath).\(keep)")
        for index in stride(from: keep - 1, through: 1, by: -1) {
            _ = rename("\(auditPath).\(index)", "\(auditPath).\(index + 1)")
        }
        guard rename(auditPath, "\(auditPath).1") == 0 else {
            throw StoreError(.io, "cannot rotate \(auditPath): \(String(cString: strerror(errno)))")
        }
        let oldest = Date().addingTimeInterval(-retention.maxAge)
        for index in 1...keep {
            let path = "\(auditPath).\(index)"
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < oldest {
                unlink(path)
            }
        }
        AtomicFile.syncDirectory(directory)
    }
}
