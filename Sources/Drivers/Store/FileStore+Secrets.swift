import Foundation
import Spec
import State

/// Secrets and registry logins beside the environments: `secrets/{team}/{project}.json` and
/// `registries/{team}.json`, mode 0600, written atomically like the rest. Values in them are
/// sealed; they are read from disk on each use (rare: an API call or a container create), and the
/// actor makes every update atomic.
extension FileStore: SecretStore {
    public func secrets(_ owner: SecretOwner) throws -> SecretSet {
        try read(SecretSet.self, at: secretsPath(owner)) ?? SecretSet()
    }

    public func updateSecrets<T: Sendable>(
        _ owner: SecretOwner, _ body: @escaping @Sendable (inout SecretSet) throws -> T
    ) throws -> T {
        try update(secretsPath(owner), default: SecretSet(), body)
    }

    public func registries(_ team: ResourceName) throws -> RegistrySet {
        try read(RegistrySet.self, at: registriesPath(team)) ?? RegistrySet()
    }

    public func updateRegistries<T: Sendable>(
        _ team: ResourceName, _ body: @escaping @Sendable (inout RegistrySet) throws -> T
    ) throws -> T {
        try update(registriesPath(team), default: RegistrySet(), body)
    }

    /// Reads the document at `path`, changes it, and writes it back if it changed.
    private func update<Document: Codable & Equatable, T>(_ path: String, default empty: Document, _ body: (inout Document) throws -> T) throws -> T {
        let old = try read(Document.self, at: path) ?? empty
        var new = old
        let result = try body(&new)
        if new != old { try write(new, to: path) }
        return result
    }

    public func secretOwners() -> [SecretOwner] {
        let root = directory + "/secrets"
        var owners: [SecretOwner] = []
        for team in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            guard let teamName = try? ResourceName(parsing: team) else { continue }
            for file in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(team)")) ?? [] where file.hasSuffix(".json") {
                if let project = try? ResourceName(parsing: String(file.dropLast(5))) {
                    owners.append(SecretOwner(team: teamName, project: project))
                }
            }
        }
        return owners.sorted { $0.description < $1.description }
    }

    public func registryTeams() -> [ResourceName] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/registries")) ?? []
        return files.filter { $0.hasSuffix(".json") }.compactMap { try? ResourceName(parsing: String($0.dropLast(5))) }.sorted()
    }

    public func forgetTeam(_ team: ResourceName) throws {
        for path in ["\(directory)/secrets/\(team)", registriesPath(team)] where FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw StoreError(.io, "cannot remove \(path): \(error.localizedDescription)")
            }
        }
    }

    public func keyring() throws -> Keyring {
        try read(Keyring.self, at: directory + "/keyring.json") ?? Keyring()
    }

    public func updateKeyring<T: Sendable>(_ body: @escaping @Sendable (inout Keyring) throws -> T) throws -> T {
        try update(directory + "/keyring.json", default: Keyring(), body)
    }

    private func secretsPath(_ owner: SecretOwner) -> String {
        "\(directory)/secrets/\(owner.team)/\(owner.project).json"
    }

    private func registriesPath(_ team: ResourceName) -> String {
        "\(directory)/registries/\(team).json"
    }

    private func read<T: Decodable>(_ type: T.Type, at path: String) throws -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(type, from: data)
        } catch {
            throw StoreError(.corrupt, "cannot decode \(path): \(error); restore it from a backup")
        }
    }

    private func write<T: Encodable>(_ value: T, to path: String) throws {
        do {
            let folder = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            try AtomicFile.write(try encoder.encode(value), to: path, permissions: 0o600)
        } catch let error as FileSystemError {
            throw StoreError(.io, error.message)
        } catch {
            throw StoreError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
