import Crypto
import Drivers
import Foundation
import Logging
import Metrics
import Spec
import State
import Synchronization

/// Takes and restores backups of backing services' volumes.
///
/// A backup is the volume's content as the engine archives it (`GET …/archive`) while the
/// service is paused (the cgroup freezer): a still picture of its files, crash-consistent for
/// any kind — Redis replays its append-only file, PostgreSQL its WAL, as after a power cut.
/// One mechanism for every image, no tool needed inside it; the service answers nothing for the
/// copy's duration (measured: `codeb-bench --services`). A dump by the service's own tools
/// (`pg_dump`) would not pause it, and is not done yet.
///
/// The archive is streamed through AES-256-GCM (`BackupCipher`) under a fresh data key sealed
/// with the controller's secret key: memory holds one 1 MiB frame, whatever the volume's size.
public struct ServiceBackups: Sendable {
    public let files: FileBackups
    let runtime: any ContainerRuntime
    let vault: SecretVault
    let time: any TimeSource
    let logger: Logger

    /// Services being backed up or restored now (by volume): one at a time each.
    static let busy = Mutex<Set<String>>([])

    public init(files: FileBackups, runtime: any ContainerRuntime, vault: SecretVault, time: any TimeSource = SystemTime(), logger: Logger = Logger(label: "codeb.backup")) {
        self.files = files
        self.runtime = runtime
        self.vault = vault
        self.time = time
        self.logger = logger
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    static func context(_ record: BackupRecord) -> String {
        "backup:\(record.team)/\(record.project)/\(record.environment)/\(record.service)/\(record.id)"
    }

    /// The service `name` of `state`'s wanted revision, with a volume; else a sentence.
    static func service(_ name: String, of state: EnvironmentState) throws -> (ServiceSpec, String) {
        guard let service = state.desired?.spec.services.first(where: { $0.name.value == name }) else {
            throw Failure(description: "\(state.key) has no service \(name) (its codeb.yaml names \(state.desired?.spec.services.map(\.name.value).joined(separator: ", ") ?? "none"))")
        }
        guard let volume = service.volume else {
            throw Failure(description: "the service \(name) of \(state.key) has no `volume`: nothing is kept, so nothing is backed up")
        }
        return (service, volume)
    }

    func hold<T>(_ volume: String, _ body: () async throws -> T) async throws -> T {
        let taken = Self.busy.withLock { $0.insert(volume).inserted }
        guard taken else { throw Failure(description: "a backup or restore of this service is already running; wait for it") }
        defer { _ = Self.busy.withLock { $0.remove(volume) } }
        return try await body()
    }

    /// Backs up `name` of `state` now; keeps the newest `backup.keep` (7 without a policy).
    public func create(_ state: EnvironmentState, service name: String, trigger: String) async throws -> BackupRecord {
        let service = "\(state.team)/\(state.key)/\(name)"
        do {
            let record = try await take(state, service: name, trigger: trigger)
            BackupHealth.shared.succeeded(service)
            Counter(label: MetricFamily.backupsTotal.name, dimensions: [("result", "ok"), ("trigger", trigger)]).increment()
            Timer(label: MetricFamily.backupSeconds.name, dimensions: [("trigger", trigger)]).recordSeconds(record.seconds)
            Counter(label: MetricFamily.backupBytesTotal.name).increment(by: Int(record.bytes))
            return record
        } catch {
            BackupHealth.shared.failed(service, "\(error)")
            Counter(label: MetricFamily.backupsTotal.name, dimensions: [("result", "failed"), ("trigger", trigger)]).increment()
            throw error
        }
    }

    private func take(_ state: EnvironmentState, service name: String, trigger: String) async throws -> BackupRecord {
        let (service, target) = try Self.service(name, of: state)
        let team = state.team.value, key = state.key
        let volume = ManagedLabels.volume(of: team, key, service: name)
        return try await hold(volume) {
            let containers = try await runtime.listManaged(project: key.project.value, environment: key.environment.value)
            guard let container = containers.first(where: { $0.labels[ManagedLabels.service] == name && $0.labels[ManagedLabels.team] == team }),
                  container.state == .running || container.state == .paused
            else {
                throw Failure(description: "the service \(name) of \(key) is not running; a backup is taken of a running service (start it with an apply)")
            }
            let started = ContinuousClock.now
            let now = time.now()
            var record = BackupRecord(
                id: Self.newID(now), team: team, project: key.project.value, environment: key.environment.value, service: name,
                createdAt: now, bytes: 0, storedBytes: 0, seconds: 0, image: service.image.description, trigger: trigger
            )
            _ = try files.prepare(team: team, project: record.project, environment: record.environment, service: name)
            let dataKey = SymmetricKey(size: .bits256)
            let sealed = try vault.sealBackupKey(dataKey.withUnsafeBytes { Data($0) }, context: Self.context(record))
            let sink = WriterSink(try BackupCipher.Writer(path: files.path(record), id: record.id, key: dataKey, sealedKey: sealed))
            do {
                try await runtime.pause(container.id)
                let bytes: Int64
                do {
                    bytes = try await runtime.archive(container.id, path: target, into: { try sink.append($0) })
                } catch {
                    try? await runtime.unpause(container.id)
                    throw error
                }
                try await runtime.unpause(container.id)
                record.storedBytes = try sink.finish()
                record.bytes = bytes
            } catch {
                sink.abandon()
                throw error
            }
            record.seconds = (ContinuousClock.now - started).inSeconds
            try files.record(record)
            let pruned = files.prune(team: team, project: record.project, environment: record.environment, service: name, keep: service.backup?.keep ?? 7)
            logger.info("backed up a service", metadata: [
                "project": "\(key.project)", "environment": "\(key.environment)", "service": "\(name)", "backup": "\(record.id)",
                "bytes": "\(record.bytes)", "seconds": "\(record.seconds)", "pruned": "\(pruned.count)",
            ])
            return record
        }
    }

    /// The service's backups, newest first.
    public func list(_ state: EnvironmentState, service name: String) throws -> [BackupRecord] {
        _ = try Self.service(name, of: state)
        return files.list(team: state.team.value, project: state.key.project.value, environment: state.key.environment.value, service: name)
    }

    /// Opens `record`'s file and reads it through once: a backup that does not open whole is
    /// refused before anything is changed.
    func verified(_ record: BackupRecord) throws -> sending BackupCipher.Reader {
        let check = try BackupCipher.Reader(path: files.path(record))
        defer { check.close() }
        let key = SymmetricKey(data: try vault.openBackupKey(check.header.sealedKey, context: Self.context(record)))
        try check.unlock(key)
        while try check.next() != nil {}
        let reader = try BackupCipher.Reader(path: files.path(record))
        // The same file, read again: its header is the one just checked.
        try reader.unlock(key)
        return reader
    }

    /// Replaces the service's volume with `record`'s content: the backup is read through first;
    /// then the container and volume go, a fresh volume and container (`spec`) are made, the
    /// archive is extracted into it before it starts, and it is started.
    public func restore(_ record: BackupRecord, spec: ContainerSpec, target: String, stopTimeout: Duration) async throws {
        let volume = spec.volumes.first?.volume ?? ""
        try await hold(volume) {
            let source = ReaderSource(try verified(record))
            defer { source.close() }
            let containers = try await runtime.listManaged(project: record.project, environment: record.environment)
            for container in containers where container.labels[ManagedLabels.service] == record.service && container.labels[ManagedLabels.team] == record.team {
                try await runtime.stop(container.id, timeout: stopTimeout)
                try await runtime.remove(container.id)
            }
            try await runtime.removeVolume(volume)
            let id = try await runtime.create(spec)
            try await runtime.extract(id, path: (target as NSString).deletingLastPathComponent, from: { try source.next() })
            try await runtime.start(id)
            logger.info("restored a service", metadata: [
                "project": "\(record.project)", "environment": "\(record.environment)", "service": "\(record.service)", "backup": "\(record.id)",
            ])
        }
    }

    /// `20261205T141203123Z-3f9a1c` (to the millisecond): sorts by time; the suffix keeps two
    /// in one millisecond apart.
    static func newID(_ now: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        return formatter.string(from: now) + "-" + String(UInt32.random(in: 0 ... 0xFFFFFF), radix: 16).leftPadded(to: 6)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// The writer, handed to the engine's archive stream. Frames are appended by one task at a
/// time (the stream is read in order), so the lock is never contended.
final class WriterSink: Sendable {
    let writer: Mutex<BackupCipher.Writer>
    init(_ writer: sending BackupCipher.Writer) { self.writer = Mutex(writer) }
    func append(_ data: Data) throws { try writer.withLock { try $0.append(data) } }
    /// The file's size once it is in place.
    func finish() throws -> Int64 { try writer.withLock { try $0.finish(); return $0.storedBytes } }
    func abandon() { writer.withLock { $0.abandon() } }
}

/// The reader, handed to the engine's extract stream (read in order, by one task at a time).
final class ReaderSource: Sendable {
    let reader: Mutex<BackupCipher.Reader>
    init(_ reader: sending BackupCipher.Reader) { self.reader = Mutex(reader) }
    func next() throws -> Data? { try reader.withLock { try $0.next() } }
    func close() { reader.withLock { $0.close() } }
}
