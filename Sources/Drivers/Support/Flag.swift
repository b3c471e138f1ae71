import Synchronization

/// A flag one task sets and others read (the LISTEN connection is up, the schema is migrated).
final class Flag: Sendable {
    private let up = Atomic<Bool>(false)
    var isUp: Bool { up.load(ordering: .relaxed) }
    func set(_ value: Bool) { up.store(value, ordering: .relaxed) }
}
