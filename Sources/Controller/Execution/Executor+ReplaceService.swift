import Drivers
import Foundation
import Planning
import Spec
import State

extension Executor {
    /// A changed service, replaced on its volume: a backup first (when it keeps data), the old
    /// container stopped (its stop timeout) and renamed aside, the new one made and waited for.
    /// If it does not accept connections by `deadline`, it goes, the old one takes its name back
    /// and starts on the same volume, and the change is recorded as failed (not tried again
    /// until a new apply), saying why.
    func replace(_ service: String, oldID: String, spec: ContainerSpec, port: Int, stopTimeout: Duration, deadline: Duration, _ key: EnvironmentKey) async throws {
        if !spec.volumes.isEmpty, let backups = serviceBackups, let state = try await store.load(key),
           try await runtime.inspect(oldID)?.state == .running {
            _ = try await backups.create(state, service: service, trigger: "before-change")
        }
        let aside = "\(spec.name)-previous"
        try await runtime.stop(oldID, timeout: stopTimeout)
        do {
            try await runtime.rename(oldID, to: aside)
        } catch {
            try? await runtime.start(oldID)
            throw error
        }
        let failure: String
        do {
            try await create(spec, key, slot: nil)
            if let problem = await waitForConnection(spec, port: port, deadline: deadline) {
                failure = problem
            } else {
                try await runtime.remove(oldID)
                try await store.update(key) { state, _ in
                    state?.serviceFailures?[service] = nil
                    if state?.serviceFailures?.isEmpty == true { state?.serviceFailures = nil }
                }
                logger.info("replaced a service", metadata: ["project": "\(key.project)", "environment": "\(key.environment)", "service": "\(service)", "image": "\(spec.image)"])
                return
            }
        } catch {
            failure = "\(error)"
        }
        // Undo: the new one goes, the old one runs again on the same volume.
        if let made = try await runtime.inspect(spec.name), made.id != oldID, made.isManaged {
            try await runtime.remove(made.id)
        }
        try await runtime.rename(oldID, to: spec.name)
        try await runtime.start(oldID)
        let hash = spec.labels[ManagedLabels.specHash] ?? ""
        let now = time.now()
        let reason = "\(spec.image) \(failure); the previous container runs again on the same volume"
        try await store.update(key) { state, _ in
            if state?.serviceFailures == nil { state?.serviceFailures = [:] }
            state?.serviceFailures?[service] = ServiceChangeFailure(hash: hash, reason: reason, at: now)
        }
        logger.warning("a service change was undone", metadata: ["project": "\(key.project)", "environment": "\(key.environment)", "service": "\(service)", "reason": "\(reason)"])
    }

    /// Nil once the new container accepts a connection on `port`; else why not, by `deadline`.
    func waitForConnection(_ spec: ContainerSpec, port: Int, deadline: Duration) async -> String? {
        let end = ContinuousClock.now + deadline
        var last = "did not start"
        while ContinuousClock.now < end {
            if let info = try? await runtime.inspect(spec.name) {
                if info.state == .exited || info.state == .dead || info.state == .restarting {
                    last = "exited" + (info.exitCode.map { " with code \($0)" } ?? "")
                } else if let network = spec.privateNetwork?.name, let address = info.networks?[network], !address.isEmpty, let probe {
                    let result = await probe.probeTCP(host: address, port: port, timeout: .seconds(1))
                    if result.healthy { return nil }
                    last = "did not accept connections (\(result.detail))"
                }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return "\(last) within \(deadline)"
    }
}
