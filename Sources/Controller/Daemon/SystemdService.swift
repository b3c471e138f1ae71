import APIModel
import Drivers
import Logging
import ServiceLifecycle

/// Speaks to systemd for `Type=notify`: READY=1 once the store, dockerd and Caddy answer,
/// WATCHDOG=1 while no reconcile pass is stuck (a wedged loop stops the pings and systemd
/// restarts the unit), STOPPING=1 on shutdown. Does nothing without `$NOTIFY_SOCKET`.
public struct SystemdService: Service {
    let notifier: SystemdNotifier
    let ready: @Sendable () async -> Bool
    let monitor: LoopMonitor
    let logger: Logger

    public init(notifier: SystemdNotifier, ready: @escaping @Sendable () async -> Bool, monitor: LoopMonitor, logger: Logger) {
        self.notifier = notifier
        self.ready = ready
        self.monitor = monitor
        self.logger = logger
    }

    public func run() async throws {
        guard notifier.isEnabled else { return }
        let notifier = self.notifier
        // STOPPING=1 as soon as shutdown starts; the pings stop because the task is cancelled.
        try await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown {
                try await self.notify()
            }
        } onGracefulShutdown: {
            try? notifier.stopping()
        }
    }

    private func notify() async throws {
        do {
            while !(await ready()) {
                try? notifier.status("waiting for the store, dockerd and Caddy")
                try await Task.sleep(for: .seconds(1))
            }
            try notifier.ready(status: "reconciling")
            logger.info("told systemd we are ready")
            guard let interval = notifier.watchdogInterval else { return }
            while true {
                try await Task.sleep(for: interval / 2)
                let stuck = monitor.longestRunningPass()
                if stuck < interval {
                    try notifier.watchdog()
                } else {
                    logger.error("a reconcile pass has run for \(stuck); not pinging the watchdog")
                }
            }
        } catch is CancellationError {
        } catch {
            logger.warning("sd_notify failed", metadata: ["error": "\(error)"])
        }
    }
}
