import State
import Synchronization

/// `ImageProvenance` in memory, for executor tests (`FileImageProvenance` is the real one).
public final class MemoryImageProvenance: ImageProvenance {
    private let ledger = Mutex(ImagePullLedger())

    public init() {}

    public var snapshot: ImagePullLedger { ledger.withLock { $0 } }

    public func mayRun(imageID: String, team: String) async -> Bool {
        ledger.withLock { $0.mayRun(imageID: imageID, team: team) }
    }

    public func record(imageID: String, pulledBy team: String, withLogin: Bool) async throws {
        ledger.withLock { $0.record(imageID: imageID, pulledBy: team, withLogin: withLogin) }
    }

    public func forget(team: String) async throws {
        ledger.withLock { $0.forget(team: team) }
    }
}
