import APIModel
import Drivers
import Foundation
import OpenAPIRuntime
import ServiceLifecycle
import Spec
import State
import Synchronization

extension ControllerAPI {
    /// `GET …/logs?tail=100&follow=1&slot=blue&since=T`: a slot's container output as text lines
    /// (`stdout|stderr text`), streamed while `follow` is set. Default slot: the active one,
    /// else the one being rolled out, else a failed one.
    ///
    /// With `Accept: text/event-stream`, Server-Sent Events instead — one per line, `event:`
    /// the stream, `id:` the line's time, `data:` the text — following unless `follow=0`. A
    /// client resumes with `since=` (or the `Last-Event-ID` an EventSource sends when it
    /// reconnects): every line after that time, none twice.
    public func logs(_ input: Operations.Logs.Input) async throws -> Operations.Logs.Output {
        let principal = try routed().caller()
        let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
        // The contract's bounds are checked before the handler (ContractMiddleware).
        let tail = input.query.tail ?? 100
        guard let runtime = reconciler?.runtime else {
            throw APIError(.serviceUnavailable, code: "unavailable", "this controller has no container runtime")
        }
        // SSE when the client prefers it (an EventSource asks for it alone); a request without
        // Accept takes every type, plain text first.
        let events = input.headers.accept.sortedByQuality().first?.contentType == .textEventStream
        let follow = input.query.follow.map { $0 == ._1 || $0 == ._true } ?? events
        let since = try Self.logCursor(input.query.since ?? input.headers.lastEventID)
        let slot: SlotName
        if let name = input.query.slot {
            slot = name == .blue ? .blue : .green
        } else {
            let order: [SlotState] = [.active, .deployed, .failed, .grace]
            guard let found = order.lazy.compactMap({ wanted in state.slots.first { $0.state == wanted } }).first else {
                throw APIError(.notFound, code: "not_found", "\(state.key) has no container")
            }
            slot = found.slot
        }
        // By labels, never by name: a container that merely has this environment's name (say,
        // another environment's whose name concatenates alike) is not this slot's.
        let wanted = [
            ManagedLabels.team: state.team.value, ManagedLabels.project: state.key.project.value,
            ManagedLabels.environment: state.key.environment.value, ManagedLabels.slot: slot.rawValue,
        ]
        let node = reconciler?.leases.node.value
        let storeID = try await store.identity()
        guard let container = try await runtime.listManaged().first(where: { container in
            ManagedLabels.sameOwner(container.labels, wanted) && ManagedLabels.fromStore(container.labels, storeID)
                && node.map { ManagedLabels.belongs(container.labels, to: $0) } ?? true
        }) else {
            throw APIError(.notFound, code: "not_found", "the \(slot) slot of \(state.key) has no container")
        }
        let name = container.id
        let format: @Sendable (LogLine) -> String = { line in events ? Self.serverSentEvent(line) : Self.textLine(line) }
        let body: HTTPBody
        var headers = Operations.Logs.Output.Ok.Headers()
        if !follow {
            let lines: [LogLine]
            do {
                lines = try await runtime.logs(name, tail: tail, since: since)
            } catch let error as RuntimeError where error.kind == .notFound {
                throw APIError(.notFound, code: "not_found", "the \(slot) slot of \(state.key) has no container")
            }
            body = HTTPBody(lines.map(format).joined())
        } else {
            let permit = try streams.acquire(principal.keyID).get()
            // Heartbeats only where a comment is part of the format (SSE), not in plain text.
            let stream = Self.endingAtShutdown(runtime.followLogs(name, tail: tail, since: since), heartbeat: events ? streamHeartbeat : nil)
            body = HTTPBody(FollowedFrames(stream: stream, permit: permit, overflowFrame: events ? Self.overflowFrame : nil) { format($0) },
                            length: .unknown, iterationBehavior: .single)
            headers.cacheControl = "no-cache"
        }
        return .ok(.init(headers: headers, body: events ? .textEventStream(body) : .plainText(body)))
    }

    /// `since=` or `Last-Event-ID`: a line's time as the stream gave it (`seconds.nanoseconds`),
    /// whole seconds, or an RFC 3339 time.
    static func logCursor(_ text: String?) throws -> LogTime? {
        guard let text, !text.isEmpty else { return nil }
        guard let time = LogTime(parsing: text) else {
            throw APIError(.badRequest, code: "bad_request", "since=\(text.debugDescription.prefix(60)) is not a time: give a log event's id (seconds.nanoseconds), seconds since 1970, or an RFC 3339 time")
        }
        return time
    }

    static func textLine(_ line: LogLine) -> String {
        "\(line.stream.rawValue)|\(line.text)\n"
    }

    /// One log line as an SSE event. The text is one line already; a stray CR would end the
    /// field early, so it becomes a space.
    static func serverSentEvent(_ line: LogLine) -> String {
        let text = line.text.replacingOccurrences(of: "\r", with: " ")
        return (line.at.map { "id: \($0)\n" } ?? "") + "event: \(line.stream.rawValue)\ndata: \(text)\n\n"
    }

    /// `GET /v1/events?project=shop&follow=1`: the controller's recent events for the caller's
    /// team as JSON, or with `follow` as Server-Sent Events that keep coming.
    public func recentEvents(_ input: Operations.RecentEvents.Input) async throws -> Operations.RecentEvents.Output {
        let principal = try routed().caller()
        // `limit`'s bounds and `project`'s pattern are the contract's, checked before the handler.
        let limit = input.query.limit
        guard let feed = reconciler?.events else { return .ok(.init(body: .json([]))) }
        let project = input.query.project
        let store = self.store
        let team = principal.team
        let teamSince = try await teamSince(team) ?? .distantPast
        // An event is the team's when the environment is its now and the event is younger than
        // both the team and the environment: a name deleted and taken again (by another team, or
        // a team of the same name created anew) does not inherit what happened under it before.
        @Sendable func visible(_ event: ControllerEvent) async -> Bool {
            if let project, event.key.project.value != project { return false }
            guard event.time >= teamSince, let state = try? await store.load(event.key), state.team == team else { return false }
            let born = state.revisions.map(\.createdAt).min() ?? .distantPast
            return event.time >= born
        }
        var recent: [ControllerEvent] = []
        for event in feed.recent(project: project) where await visible(event) { recent.append(event) }
        guard input.query.follow == ._1 || input.query.follow == ._true else {
            return .ok(.init(body: .json(limit.map { Array(recent.suffix($0)) } ?? recent)))
        }
        let permit = try streams.acquire(principal.keyID).get()
        let live = feed.subscribe()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        let backlog = try recent.map { "data: \(String(decoding: try encoder.encode($0), as: UTF8.self))\n\n" }
        let stream = Self.endingAtShutdown(live, heartbeat: streamHeartbeat)
        let body = FollowedFrames(stream: stream, permit: permit, backlog: backlog, overflowFrame: Self.overflowFrame) { event in
            guard await visible(event) else { return nil }
            return "data: \(String(decoding: try encoder.encode(event), as: UTF8.self))\n\n"
        }
        return .ok(.init(headers: .init(cacheControl: "no-cache"), body: .textEventStream(HTTPBody(body, length: .unknown, iterationBehavior: .single))))
    }

    /// What a follower's loop takes off its stream: an element of the source, a heartbeat due
    /// (an SSE comment: it keeps proxies from timing the stream out, and a write to a client that
    /// is gone fails, ending the stream and freeing its slot), or nothing more.
    enum StreamItem<Element: Sendable>: Sendable {
        case element(Element)
        case heartbeat
    }

    /// A copy of `source` that `end()` finishes at once — what a graceful shutdown calls, so a
    /// follower waiting for the next event or log line does not keep the daemon from stopping.
    /// It holds at most `capacity` items for a slow reader; past that it ends, `overflowed`.
    struct EndableStream<Element: Sendable>: Sendable {
        let values: AsyncThrowingStream<StreamItem<Element>, any Error>
        let continuation: AsyncThrowingStream<StreamItem<Element>, any Error>.Continuation
        let overflow: Overflow

        func end() { continuation.finish() }
        var overflowed: Bool { overflow.happened.load(ordering: .relaxed) }

        final class Overflow: Sendable {
            let happened = Atomic<Bool>(false)
        }
    }

    static func endingAtShutdown<S: AsyncSequence & Sendable>(_ source: S, heartbeat: Duration? = nil, capacity: Int = 1024) -> EndableStream<S.Element> where S.Element: Sendable {
        let (values, continuation) = AsyncThrowingStream<StreamItem<S.Element>, any Error>.makeStream(bufferingPolicy: .bufferingOldest(capacity))
        let overflow = EndableStream<S.Element>.Overflow()
        @Sendable func send(_ item: StreamItem<S.Element>) {
            if case .dropped = continuation.yield(item) {
                // The reader cannot keep up: end its stream (it is told so) rather than grow.
                overflow.happened.store(true, ordering: .relaxed)
                continuation.finish()
            }
        }
        let forward = Task {
            do {
                for try await element in source { send(.element(element)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let beat = heartbeat.map { interval in
            Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    send(.heartbeat)
                }
            }
        }
        continuation.onTermination = { _ in
            forward.cancel()
            beat?.cancel()
        }
        return EndableStream(values: values, continuation: continuation, overflow: overflow)
    }

    /// The last frame of an SSE stream that ended because its reader was too slow.
    static let overflowFrame = "event: overflow\ndata: the stream went faster than it was read; reconnect (logs: with since= the last id)\n\n"
    static let heartbeatFrame = ": keep-alive\n\n"
}
