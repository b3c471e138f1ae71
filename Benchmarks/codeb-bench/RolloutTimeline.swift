import Drivers
import Foundation
import State
import Synchronization

/// Where an apply's time goes, read from Docker's event stream (the engine's own timestamps):
/// apply posted → the evicted container killed/destroyed, the new one created and started →
/// served through Caddy.
final class RolloutTimeline: Sendable {
    struct Mark: Sendable {
        var action: String
        var name: String
        var at: Double  // seconds since 1970
    }

    private let marks = Mutex<[Mark]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Follows the engine's events for containers of `project`.
    init(project: String) {
        let stream = DockerRuntime().events(since: Date())
        task.withLock {
            $0 = Task { [self] in
                for await event in stream where event.labels[ManagedLabels.project] == project {
                    record(Mark(action: event.action, name: event.name ?? event.containerID, at: Double(event.timeNano) / 1e9))
                }
            }
        }
    }

    private func record(_ mark: Mark) { marks.withLock { $0.append(mark) } }

    func stop() { task.withLock { $0?.cancel() } }

    /// Whether a container of the project started at or after `since` (seconds since 1970).
    func started(since: Double) -> Bool {
        marks.withLock { $0.contains { $0.action == "start" && $0.at >= since } }
    }

    /// The marks between `start` and `end` (seconds since 1970), waiting briefly for the
    /// stream to deliver the last of them.
    func marks(from start: Double, to end: Double) async -> [Mark] {
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            if marks.withLock({ $0.contains { $0.action == "start" && $0.at >= start && $0.at <= end } }) { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return marks.withLock { $0.filter { $0.at >= start && $0.at <= end } }
    }

    /// One round's phases: apply → the first engine action (on the evicted container, or the
    /// create), the eviction (its first action → its destroy), create → start, start → served;
    /// each in seconds, nil when the round has no such mark.
    struct Phases {
        var untilFirstEngineAction: Double?
        var eviction: Double?
        var createToStart: Double?
        var startToServed: Double?
    }

    static func phases(_ marks: [Mark], posted: Double, served: Double) -> Phases {
        let create = marks.first { $0.action == "create" }?.at
        let start = marks.first { $0.action == "start" }?.at
        let evicting = marks.first { ["kill", "stop", "die", "rename"].contains($0.action) }?.at
        let destroyed = marks.first { $0.action == "destroy" }?.at
        var phases = Phases()
        let first = [create, evicting].compactMap { $0 }.min()
        phases.untilFirstEngineAction = first.map { $0 - posted }
        // The evicted container's first engine action → its destroy: on the path when the
        // new container's create waits for it.
        if let evicting, let destroyed { phases.eviction = destroyed - evicting }
        if let create, let start { phases.createToStart = start - create }
        if let start { phases.startToServed = served - start }
        return phases
    }
}
