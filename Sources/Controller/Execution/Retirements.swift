import Drivers
import Foundation
import Logging
import State
import Support

/// Evicted containers being stopped and removed in the background, by ID. A pass leaves them
/// alone while they are here (`PlanInput.retiring`); one that outlives this process — renamed,
/// not yet removed — is a stranger to the next controller's pass, which removes it.
public actor Retirements {
    /// When the work runs: at once in a task of its own (the controller), or when the owner
    /// says (`runPending`), so a seeded simulation stays deterministic and can let a
    /// retirement outlive several passes.
    public enum Schedule: Sendable { case background, manual }

    private let schedule: Schedule
    private var running: [String: Task<Void, Never>] = [:]
    private var pending: [(id: String, work: @Sendable () async -> Void)] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(_ schedule: Schedule = .background) {
        self.schedule = schedule
    }

    /// The containers being retired now.
    public var ids: Set<String> { Set(running.keys).union(pending.map(\.id)) }

    /// Drains (when `drain` is set), stops with `timeout` and removes the container, without
    /// holding up the caller; a failure is logged, and the next pass sees the container again.
    /// Nothing starts before `after` fires (the end of the plan that evicted it): tearing a
    /// container down while the engine starts its successor slows that start (they share the
    /// engine's network setup), and the evicted one holds no port or name the successor needs.
    func begin(
        _ id: String, name: String, timeout: Duration, drain: Duration?, after: StopSignal? = nil,
        runtime: any ContainerRuntime, time: any TimeSource, logger: Logger
    ) {
        guard !ids.contains(id) else { return }
        let work: @Sendable () async -> Void = {
            await after?.wait()
            do {
                if let drain { try await time.sleep(for: drain) }
                do {
                    try await runtime.stop(id, timeout: timeout)
                } catch let error as RuntimeError where error.kind == .notFound {
                    return
                }
                try await runtime.remove(id)
                logger.info("retired container", metadata: ["container": "\(name)"])
            } catch {
                logger.error("retiring a container failed; the next pass removes it", metadata: ["container": "\(name)", "error": "\(error)"])
            }
        }
        switch schedule {
        case .manual:
            pending.append((id, work))
        case .background:
            running[id] = Task {
                await work()
                self.finish(id)
            }
        }
    }

    /// Runs the retirements begun so far, one after another (`.manual` only).
    public func runPending() async {
        while !pending.isEmpty {
            let next = pending.removeFirst()
            await next.work()
        }
        if running.isEmpty { resumeWaiters() }
    }

    private func finish(_ id: String) {
        running[id] = nil
        if running.isEmpty, pending.isEmpty { resumeWaiters() }
    }

    private func resumeWaiters() {
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    /// Returns once no retirement is running or pending (tests, and a controller shutting down).
    public func idle() async {
        if running.isEmpty, pending.isEmpty { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
