import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import State

extension DockerRuntime {
    public func logs(_ id: String, tail: Int?, since: LogTime?) async throws -> [LogLine] {
        let info = try await requireManaged(id, "read logs of \(id)")
        let operation = "read logs of \(info.name)"
        let (_, body) = try await call(operation, .GET, "/containers/\(Self.pathComponent(info.id))/logs", query: logQuery(tail: tail, follow: false, since: since))
        var decoder = DockerLogDecoder(timestamps: true, after: since)
        return decoder.feed(body) + decoder.finish()
    }

    public func followLogs(_ id: String, tail: Int?, since: LogTime?) -> AsyncThrowingStream<LogLine, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let info = try await requireManaged(id, "follow logs of \(id)")
                    let operation = "follow logs of \(info.name)"
                    let request = makeRequest(.GET, "/containers/\(Self.pathComponent(info.id))/logs", query: logQuery(tail: tail, follow: true, since: since))
                    let response = try await DriverHTTP.client.execute(request, deadline: .distantFuture)
                    guard response.status.code == 200 else {
                        throw Self.error(for: response.status.code, body: try await collect(response, operation), operation: operation)
                    }
                    var decoder = DockerLogDecoder(timestamps: true, after: since)
                    for try await chunk in response.body {
                        for line in decoder.feed(chunk.readableBytesView) { continuation.yield(line) }
                    }
                    for line in decoder.finish() { continuation.yield(line) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Lines come stamped (`timestamps=1`); the decoder takes the stamp off. With `since`, every
    /// line from then on (the engine's `since` is inclusive; the decoder drops the line at it).
    private func logQuery(tail: Int?, follow: Bool, since: LogTime?) -> [(String, String)] {
        var query = [("stdout", "1"), ("stderr", "1"), ("follow", follow ? "1" : "0"), ("timestamps", "1")]
        if let since {
            query.append(("since", since.description))
        } else {
            query.append(("tail", tail.map { String(max(0, $0)) } ?? "all"))
        }
        return query
    }

    /// Managed-container events. The stream reconnects after any failure (dockerd restarting,
    /// the socket going away) with `since=` a little before the newest event seen, so events that
    /// happened while disconnected are still delivered; repeats are recognised and dropped. (dockerd
    /// may publish events slightly out of timestamp order, so only exact repeats are dropped.)
    public func events(since: Date?) -> AsyncStream<ContainerEvent> {
        let logger = self.logger
        return AsyncStream { continuation in
            let task = Task {
                var newest = Int64((since ?? Date()).timeIntervalSince1970 * 1_000_000_000)
                var recent = RecentKeys(capacity: 10_000)
                var backoff = Duration.milliseconds(100)
                var reconnecting = false
                while !Task.isCancelled {
                    do {
                        let filters = #"{"type":["container"],"label":["\#(ManagedLabels.managedBy)=\#(ManagedLabels.managedByValue)"]}"#
                        // After a break, look back a second to catch events published out of order.
                        let from = reconnecting ? newest - 1_000_000_000 : newest
                        let sinceText = "\(from / 1_000_000_000).\(String(format: "%09lld", from % 1_000_000_000))"
                        let request = makeRequest(.GET, "/events", query: [("since", sinceText), ("filters", filters)])
                        let response = try await DriverHTTP.client.execute(request, deadline: .distantFuture)
                        guard response.status.code == 200 else {
                            throw Self.error(for: response.status.code, body: try await collect(response, "watch events"), operation: "watch events")
                        }
                        backoff = .milliseconds(100)
                        // dockerd keeps no events across its own restart: whoever caches what
                        // the events said must look again.
                        if reconnecting { continuation.yield(.resumed) }
                        var buffer: [UInt8] = []
                        for try await chunk in response.body {
                            buffer.append(contentsOf: chunk.readableBytesView)
                            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                                let line = Data(buffer[..<newline])
                                buffer.removeSubrange(...newline)
                                guard let event = Self.event(from: line),
                                      recent.insert("\(event.containerID)/\(event.action)/\(event.timeNano)")
                                else { continue }
                                newest = max(newest, event.timeNano)
                                continuation.yield(event)
                            }
                        }
                        logger.warning("docker event stream ended; reconnecting")
                    } catch {
                        if Task.isCancelled { break }
                        logger.warning("docker event stream failed; reconnecting", metadata: ["error": "\(error)", "retryIn": "\(backoff)"])
                    }
                    reconnecting = true
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func event(from line: Data) -> ContainerEvent? {
        guard let wire = try? JSONDecoder().decode(DockerEventWire.self, from: line),
              wire.Type == nil || wire.Type == "container",
              let action = wire.Action,
              let id = wire.Actor?.ID ?? wire.id
        else { return nil }
        let attributes = wire.Actor?.Attributes ?? [:]
        guard ManagedLabels.isManaged(attributes) else { return nil }
        let labels = attributes.filter { $0.key.hasPrefix("codeb.") }
        return ContainerEvent(
            action: action, containerID: id, name: attributes["name"], labels: labels,
            exitCode: attributes["exitCode"].flatMap(Int.init),
            timeNano: wire.timeNano ?? (wire.time ?? 0) * 1_000_000_000
        )
    }
}

/// The last `capacity` keys seen, for dropping repeated events after a reconnect.
struct RecentKeys {
    private var keys: Set<String> = []
    private var order: [String] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds `key`; false when it was already there.
    mutating func insert(_ key: String) -> Bool {
        guard keys.insert(key).inserted else { return false }
        if order.count < capacity {
            order.append(key)
        } else {
            keys.remove(order[next])
            order[next] = key
            next = (next + 1) % capacity
        }
        return true
    }
}
