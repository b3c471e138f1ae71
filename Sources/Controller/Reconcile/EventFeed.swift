import APIModel
import Drivers
import Foundation
import State
import Synchronization

/// The last `capacity` events in memory, and a live stream of new ones.
public final class EventFeed: Sendable {
    private let buffer: Mutex<[ControllerEvent]>
    private let live = ChangeFeed<ControllerEvent>()
    public let capacity: Int

    public init(capacity: Int = 1000) {
        self.capacity = capacity
        buffer = Mutex([])
    }

    public func record(_ event: ControllerEvent) {
        buffer.withLock { events in
            events.append(event)
            if events.count > capacity { events.removeFirst(events.count - capacity) }
        }
        live.publish(event)
    }

    /// The kept events, oldest first, optionally only one project's.
    public func recent(project: String? = nil) -> [ControllerEvent] {
        let events = buffer.withLock { $0 }
        guard let project else { return events }
        return events.filter { $0.key.project.value == project }
    }

    public func subscribe() -> AsyncStream<ControllerEvent> { live.subscribe() }
}
