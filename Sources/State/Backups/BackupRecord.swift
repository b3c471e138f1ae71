import Foundation
import Spec

/// One backup of a backing service's volume, as listed: its file holds the archive encrypted.
public struct BackupRecord: Sendable, Hashable, Codable {
    /// `20261205T141203Z-3f9a1c` — sortable by time, unique.
    public var id: String
    public var team: String
    public var project: String
    public var environment: String
    public var service: String
    public var createdAt: Date
    /// The archive's size (the volume's content as tar).
    public var bytes: Int64
    /// The encrypted file's size on disk.
    public var storedBytes: Int64
    /// How long taking it took (the service is paused that long).
    public var seconds: Double
    /// The service's image when it was taken.
    public var image: String
    /// `schedule` (`backup: every`), `manual`, or `before-change` (an image change).
    public var trigger: String

    public init(
        id: String, team: String, project: String, environment: String, service: String, createdAt: Date, bytes: Int64,
        storedBytes: Int64, seconds: Double, image: String, trigger: String
    ) {
        self.id = id
        self.team = team
        self.project = project
        self.environment = environment
        self.service = service
        self.createdAt = createdAt
        self.bytes = bytes
        self.storedBytes = storedBytes
        self.seconds = seconds
        self.image = image
        self.trigger = trigger
    }

    /// Only ids this controller makes are looked up: they reach file names.
    public static func isValidID(_ id: String) -> Bool {
        id.count <= 64 && !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
