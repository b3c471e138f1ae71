import Synchronization

/// What a `DockerRuntime` has already learnt and need not ask the engine again on a rollout's
/// critical path.
///
/// - Containers known to be codeb's, by ID (with their last name, for messages): a container's
///   labels are fixed when it is created and an ID is never reused, so one created by codeb or
///   seen carrying `codeb.managed-by` stays codeb's for its whole life. Start and rename skip
///   the inspect that otherwise fences them; an ID not here is inspected as before.
/// - Each team network's ID: a create that names a network that has since gone fails with 404
///   and looks it up again.
/// - Local images found present: a create that meets one removed since fails with 404 "No such
///   image", forgets it, and the retried pass pulls it.
final class DockerMemo: Sendable {
    private struct Memory {
        var managed: [String: String] = [:]
        var networks: [String: String] = [:]
        var images: Set<String> = []
    }

    private let memory = Mutex(Memory())

    func managedName(_ id: String) -> String? { memory.withLock { $0.managed[id] } }

    func managed(_ id: String, name: String) { memory.withLock { $0.managed[id] = name } }

    /// A full list: the known set becomes exactly what it holds (containers removed by hand go).
    func listed(_ containers: [(id: String, name: String)]) {
        memory.withLock { $0.managed = Dictionary(containers.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first }) }
    }

    func removed(_ id: String) { _ = memory.withLock { $0.managed.removeValue(forKey: id) } }

    func network(_ name: String) -> String? { memory.withLock { $0.networks[name] } }

    func network(_ name: String, id: String?) { memory.withLock { $0.networks[name] = id } }

    func imagePresent(_ reference: String) -> Bool { memory.withLock { $0.images.contains(reference) } }

    func image(_ reference: String, present: Bool) {
        _ = memory.withLock { present ? $0.images.insert(reference).inserted : $0.images.remove(reference) != nil }
    }
}
