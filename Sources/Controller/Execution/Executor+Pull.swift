import Drivers
import Foundation
import Planning
import Spec
import State

extension Executor {
    /// Pulls the slot's image before its container is created: always for an image of a named
    /// registry or when the team has a login for its registry (with that login), else when it
    /// is absent — or present but brought here with another team's login (`provenance`): an
    /// image in the engine's cache must not start for a team that may not pull it. Each pull is
    /// recorded (with a login: for that team; anonymously: for everyone).
    /// Progress goes on the slot record; the health deadline starts once the pull is done.
    /// A refused or missing image fails the rollout with a reason that names the registry.
    func pullIfNeeded(_ spec: ContainerSpec, _ key: EnvironmentKey, slot: SlotName?, team: ResourceName?) async throws {
        guard let image = try? ImageReference(parsing: spec.image) else { return }
        let host = RegistryHost(of: image)
        var auth: RegistryAuth?
        if let vault, let team { auth = try await vault.login(team: team, host: host) }
        if auth == nil, image.registry == nil, let local = try await runtime.imageID(spec.image) {
            guard let provenance, let team else { return }
            if await provenance.mayRun(imageID: local, team: team.value) { return }
            logger.info("the image was pulled with another team's login: pulling it for this team", metadata: [
                "project": "\(key.project)", "environment": "\(key.environment)", "image": "\(spec.image)",
            ])
        }
        let revision = spec.labels[ManagedLabels.revision].flatMap(Int.init)
        let (updates, continuation) = AsyncStream.makeStream(of: PullProgress.self, bufferingPolicy: .bufferingNewest(1))
        // At most two store writes a second, and none left to wait for once the pull is done.
        let writer = Task {
            var last: ContinuousClock.Instant?
            for await progress in updates {
                if let last, ContinuousClock.now - last < .milliseconds(500) { continue }
                last = ContinuousClock.now
                try? await recordPull(key, slot: slot, revision: revision) { $0.pull = progress }
            }
        }
        let pulled: Result<String?, any Error>
        do {
            pulled = .success(try await runtime.pull(spec.image, auth: auth, progress: { continuation.yield($0) }))
        } catch {
            pulled = .failure(error)
        }
        continuation.finish()
        await writer.value
        let digest: String?
        switch pulled {
        case .success(let value):
            digest = value
        case .failure(let error as RuntimeError) where error.kind != .unavailable:
            // The registry's answer fails the rollout at once; dockerd itself being away does
            // not (the pass is retried with backoff, as any other engine call).
            let reason = Self.pullFailure(error, image: spec.image, host: host, loggedIn: auth != nil)
            try await recordPull(key, slot: slot, revision: revision) { record in
                record.pull = nil
                if let failed = record.state.after(.fail) {
                    record.state = failed
                    record.failure = reason
                    record.failureReason = .imagePullFailed
                }
            }
            throw RuntimeError(error.kind, operation: error.operation, message: reason, status: error.status)
        case .failure(let error):
            throw error
        }
        if let provenance, let team, let pulledID = try await runtime.imageID(spec.image) {
            try await provenance.record(imageID: pulledID, pulledBy: team.value, withLogin: auth != nil)
        }
        let now = time.now()
        try await store.update(key) { state, _ in
            guard var current = state else { return }
            if let slot, current[slot].revision == revision, current[slot].state == .deployed {
                current[slot].pull = nil
                current[slot].deployedAt = now
            }
            if let digest, let index = current.revisions.firstIndex(where: { $0.number == revision }), current.revisions[index].imageDigest == nil {
                current.revisions[index].imageDigest = digest
            }
            state = current
        }
    }

    /// Changes the slot's record while it is still being deployed for `revision`.
    private func recordPull(_ key: EnvironmentKey, slot: SlotName?, revision: Int?, _ change: @escaping @Sendable (inout SlotRecord) -> Void) async throws {
        // A backing service's pull is no slot's progress: its failure is the pass's error.
        guard let slot else { return }
        try await store.update(key) { state, _ in
            guard var current = state, current[slot].revision == revision, current[slot].state == .deployed else { return }
            change(&current[slot])
            state = current
        }
    }

    /// Why the pull failed and what to do, naming the registry.
    static func pullFailure(_ error: RuntimeError, image: String, host: RegistryHost, loggedIn: Bool) -> String {
        let login = "codeb registry login \(host) --username USER --password-stdin"
        switch error.kind {
        case .registryDenied:
            return loggedIn
                ? "registry \(host) refused the team's login pulling \(image) (\(error.message)); log in again with `\(login)`"
                : "registry \(host) wants a login to pull \(image) (\(error.message)); log in with `\(login)`"
        case .notFound:
            return "registry \(host) has no \(image) (\(error.message)); check the image's name and tag\(loggedIn ? "" : ", or log in with `\(login)` if it is private")"
        default:
            return "pulling \(image) from registry \(host) failed: \(error.message)\(loggedIn ? "" : "; if it is private, log in with `\(login)`")"
        }
    }
}
