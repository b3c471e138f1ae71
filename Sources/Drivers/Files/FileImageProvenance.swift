import Foundation
import State

/// `ImageProvenance` kept in the state directory (`image-pulls.json`, mode 0600): per node, like
/// the engine's image cache it describes, and across restarts.
public actor FileImageProvenance: ImageProvenance {
    public nonisolated let path: String
    private var ledger: ImagePullLedger

    /// Reads the file if there is one. An unreadable file is an error rather than an empty
    /// ledger: forgetting who pulled what would free every private image on the host.
    public init(path: String) throws {
        self.path = path
        if let data = FileManager.default.contents(atPath: path) {
            do {
                ledger = try JSONDecoder().decode(ImagePullLedger.self, from: data)
            } catch {
                throw StoreError(.corrupt, "\(path) is not codeb's image pull record (\(error)); restore it, or remove it and pull private images again")
            }
        } else {
            ledger = ImagePullLedger()
        }
    }

    public func mayRun(imageID: String, team: String) -> Bool {
        ledger.mayRun(imageID: imageID, team: team)
    }

    public func record(imageID: String, pulledBy team: String, withLogin: Bool) throws {
        var next = ledger
        next.record(imageID: imageID, pulledBy: team, withLogin: withLogin)
        try save(next)
    }

    public func forget(team: String) throws {
        var next = ledger
        next.forget(team: team)
        try save(next)
    }

    private func save(_ next: ImagePullLedger) throws {
        guard next != ledger else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(next), to: path, permissions: 0o600)
        ledger = next
    }
}
