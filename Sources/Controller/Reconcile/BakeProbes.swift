import Foundation
import State
import Synchronization

/// When each environment's baking slot was last health-probed. In memory, like `PassErrors`:
/// a healthy answer during a bake is no news worth a store write, and after a restart the first
/// pass simply probes at once.
public final class BakeProbes: Sendable {
    private let times = Mutex<[EnvironmentKey: Date]>([:])

    public init() {}

    public subscript(key: EnvironmentKey) -> Date? {
        get { times.withLock { $0[key] } }
        set { times.withLock { $0[key] = newValue } }
    }
}
