import Foundation
#if canImport(Glibc)
import Glibc
import State
#endif

/// The embedded store: one JSON file per environment under a state directory
/// (`environments/{project}/{environment}.json`), each written atomically (temp file, fsync,
/// rename, directory fsync), and an exclusive `flock` on `codeb.lock` so two controllers never
/// write one directory. All state is read at open; a file that cannot be decoded stops the
/// open with its path, rather than being silently dropped.
public actor FileStore: Store {
    public static let defaultDirectory = "/var/lib/codeb"

    public nonisolated let directory: String
    /// Read from `store-id` in the directory, made on first open.
    public nonisolated let storeID: String
    private var cache: [EnvironmentKey: EnvironmentState] = [:]
    private let lockDescriptor: Int32
    private let feed = ChangeFeed<EnvironmentKey>()

    public init(directory: String = FileStore.defaultDirectory) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory + "/environments", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.io, "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        let lockPath = directory + "/codeb.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.io, "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StoreError(.locked, "another codeb controller holds the state directory \(directory) (lock \(lockPath)); stop it, or give this one its own --state-dir")
        }
        lockDescriptor = descriptor
        do {
            storeID = try Self.readOrCreateID(directory)
            cache = try Self.readAll(directory)
        } catch {
            flock(descriptor, LOCK_UN)
            close(descriptor)
            throw error
        }
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    private static func readAll(_ directory: String) throws -> [EnvironmentKey: EnvironmentState] {
        let root = directory + "/environments"
        let files = FileManager.default
        var states: [EnvironmentKey: EnvironmentState] = [:]
        for project in (try? files.contentsOfDirectory(atPath: root)) ?? [] where !project.hasPrefix(".") {
            for name in (try? files.contentsOfDirectory(atPath: root + "/" + project)) ?? [] where name.hasSuffix(".json") && !name.hasPrefix(".") {
                let path = "\(root)/\(project)/\(name)"
                guard let data = files.contents(atPath: path) else {
                    throw StoreError(.corrupt, "cannot read \(path); check its permissions")
                }
                let state: EnvironmentState
                do {
                    state = try JSONDecoder().decode(EnvironmentState.self, from: data)
                } catch {
                    throw StoreError(.corrupt, "\(path) is not a valid codeb state file (\(error)); restore it from a backup or move it out of the way")
                }
                guard "\(state.key.project)" == project, "\(state.key.environment).json" == name else {
                    throw StoreError(.corrupt, "\(path) holds \(state.key), which belongs in another file; move it back or away")
                }
                states[state.key] = state
            }
        }
        return states
    }

    private static func readOrCreateID(_ directory: String) throws -> String {
        let path = directory + "/store-id"
        if let data = FileManager.default.contents(atPath: path) {
            let id = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw StoreError(.corrupt, "\(path) does not hold a store id; restore it from a backup (containers carry it) or remove it to make a new one")
            }
            return id
        }
        let id = UUID().uuidString.lowercased()
        do {
            try AtomicFile.write(Data((id + "\n").utf8), to: path)
        } catch let error as FileSystemError {
            throw StoreError(.io, error.message)
        }
        return id
    }

    public nonisolated func identity() -> String { storeID }

    public func keys() -> [EnvironmentKey] {
        cache.keys.sorted()
    }

    public func load(_ key: EnvironmentKey) -> EnvironmentState? {
        cache[key]
    }

    public func update<T: Sendable>(
        _ key: EnvironmentKey, _ body: @escaping @Sendable (inout EnvironmentState?, Claims) throws -> T
    ) throws -> T {
        var state = cache[key]
        let result = try body(&state, claims(excluding: key))
        guard state != cache[key] else { return result }
        if let state, state.key != key {
            throw StoreError(.invalid, "an update of \(key) tried to store \(state.key)")
        }
        // Only writes are timed here: reads are answered from memory.
        try StoreMetrics.timed("update", "file") { try persist(key, state) }
        cache[key] = state
        feed.publish(key)
        return result
    }

    public nonisolated func changes() -> AsyncStream<EnvironmentKey> {
        feed.subscribe()
    }

    private func claims(excluding key: EnvironmentKey) -> Claims {
        var claims = Claims()
        for (other, state) in cache where other != key {
            for port in state.ports.all { claims.claim(port, by: other, on: state.nodes) }
            for domain in state.claimedHostnames {
                claims.domains[domain] = other
            }
            claims.stems[other.stem] = other
            if other.project == key.project {
                claims.projectTeam = state.team
            }
        }
        return claims
    }

    private func path(_ key: EnvironmentKey) -> String {
        "\(directory)/environments/\(key.project)/\(key.environment).json"
    }

    private func persist(_ key: EnvironmentKey, _ state: EnvironmentState?) throws {
        let path = path(key)
        do {
            if let state {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try AtomicFile.write(try encoder.encode(state), to: path)
            } else {
                try AtomicFile.remove(path)
            }
        } catch let error as FileSystemError {
            throw StoreError(.io, error.message)
        } catch {
            throw StoreError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
