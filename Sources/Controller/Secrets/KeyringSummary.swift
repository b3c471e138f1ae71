import Synchronization

/// The keyring's last word for `/readyz`: `ok`, or which node lacks which key.
public final class KeyringSummary: Sendable {
    private let text = Mutex("not reported yet")

    public init() {}

    public var current: String { text.withLock { $0 } }

    func set(_ value: String) { text.withLock { $0 = value } }
}
