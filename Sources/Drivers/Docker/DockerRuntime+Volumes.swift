import Foundation
import State
import Synchronization

extension DockerRuntime {
    /// Creates the named volume `name` with `labels` unless it exists. One of that name that is
    /// not codeb's, or is another environment's, is refused: a service never mounts data it
    /// does not own.
    func ensureVolume(_ name: String, labels: [String: String]) async throws {
        let operation = "create volume \(name)"
        if let existing = try await volume(name) {
            let found = existing.Labels ?? [:]
            guard ManagedLabels.isManaged(found), labels.allSatisfy({ found[$0.key] == $0.value || $0.key == ManagedLabels.store }) else {
                throw RuntimeError(.notManaged, operation: operation, message: "a volume named \(name) exists and is not this service's; remove or rename it")
            }
            return
        }
        var all = labels
        all[ManagedLabels.managedBy] = ManagedLabels.managedByValue
        _ = try await call(operation, .POST, "/volumes/create", body: try JSONEncoder().encode(DockerVolumeCreateWire(Name: name, Labels: all)))
        logger.info("created volume", metadata: ["volume": "\(name)"])
    }

    /// The volume `name`, or nil.
    func volume(_ name: String) async throws -> DockerVolumeWire? {
        let operation = "inspect volume \(name)"
        let (status, body) = try await call(operation, .GET, "/volumes/\(Self.pathComponent(name))", accept: [404])
        guard status != 404 else { return nil }
        return try decode(DockerVolumeWire.self, body, operation)
    }

    public func managedVolumes(project: String?, environment: String?) async throws -> [VolumeInfo] {
        var labels = ["\(ManagedLabels.managedBy)=\(ManagedLabels.managedByValue)"]
        if let project { labels.append("\(ManagedLabels.project)=\(project)") }
        if let environment { labels.append("\(ManagedLabels.environment)=\(environment)") }
        let filters = String(decoding: try JSONEncoder().encode(["label": labels]), as: UTF8.self)
        let (_, body) = try await call("list volumes", .GET, "/volumes", query: [("filters", filters)])
        let formatter = ISO8601DateFormatter()
        return (try decode(DockerVolumeListWire.self, body, "list volumes").Volumes ?? [])
            .filter { ManagedLabels.isManaged($0.Labels ?? [:]) }
            .map { VolumeInfo(name: $0.Name, labels: $0.Labels ?? [:], createdAt: $0.CreatedAt.flatMap(formatter.date(from:))) }
            .sorted { $0.name < $1.name }
    }

    public func volumeSizes(_ names: Set<String>) async throws -> [String: Int64] {
        if let cached = Self.sizes.withLock({ $0 }), cached.at.timeIntervalSinceNow > -60, names.isSubset(of: cached.sizes.keys) {
            return cached.sizes.filter { names.contains($0.key) }
        }
        struct DiskUsage: Decodable {
            struct Volume: Decodable {
                struct Usage: Decodable { var Size: Int64 }
                var Name: String
                var Labels: [String: String]?
                var UsageData: Usage?
            }
            var Volumes: [Volume]?
        }
        let (_, body) = try await call("measure volumes", .GET, "/system/df", timeout: .seconds(120))
        let usage = try decode(DiskUsage.self, body, "measure volumes")
        var sizes: [String: Int64] = [:]
        for volume in usage.Volumes ?? [] where ManagedLabels.isManaged(volume.Labels ?? [:]) {
            if let size = volume.UsageData?.Size, size >= 0 { sizes[volume.Name] = size }
        }
        Self.sizes.withLock { $0 = (Date(), sizes) }
        return sizes.filter { names.contains($0.key) }
    }

    /// The last measurement, shared by every copy of the runtime.
    static let sizes = Mutex<(at: Date, sizes: [String: Int64])?>(nil)

    public func removeVolume(_ name: String) async throws {
        let operation = "remove volume \(name)"
        guard let existing = try await volume(name) else { return }
        guard ManagedLabels.isManaged(existing.Labels ?? [:]) else {
            throw RuntimeError(.notManaged, operation: operation, message: "\(name) is not a codeb volume")
        }
        _ = try await call(operation, .DELETE, "/volumes/\(Self.pathComponent(name))", accept: [404])
        logger.info("removed volume", metadata: ["volume": "\(name)"])
    }
}
