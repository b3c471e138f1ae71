import Drivers
import Foundation
import Planning
import Spec
import State

extension Executor {
    /// Backups as this executor can take them: nil without a backup directory or a secret key.
    var serviceBackups: ServiceBackups? {
        guard let backups, let vault else { return nil }
        return ServiceBackups(files: backups, runtime: runtime, vault: vault, time: time, logger: logger)
    }

    /// Restores `service` from `backup`, then clears the restore asked for. A backup that cannot
    /// be used (missing, cut, altered, sealed with a key this controller lacks) changes nothing
    /// and is kept as the restore's failure; an engine error on the way is retried by the next
    /// pass, which starts the restore over.
    func restore(
        _ service: String, backup: String, spec: ContainerSpec, target: String, stopTimeout: Duration, port: Int? = nil,
        deadline: Duration = .seconds(60), _ key: EnvironmentKey
    ) async throws {
        let team = spec.labels[ManagedLabels.team] ?? ""
        do {
            guard let backups = serviceBackups else {
                throw ServiceBackups.Failure(description: "this controller keeps no backups (start it with --backup-dir and --secret-key-file)")
            }
            let records = backups.files.list(team: team, project: key.project.value, environment: key.environment.value, service: service)
            guard let record = records.first(where: { $0.id == backup }) else {
                throw ServiceBackups.Failure(description: "the service \(service) has no backup \(backup) (`codeb backup list` names them)")
            }
            let opened = try await opened(spec, key)
            try await backups.restore(record, spec: opened, target: target, stopTimeout: stopTimeout)
            // Health-gated: the restored service must accept a connection, or the restore says why.
            if let port = port, let problem = await waitForConnection(spec, port: port, deadline: deadline) {
                try await failRestore(key, "restored from \(backup), but it \(problem)")
                return
            }
        } catch let failure as ServiceBackups.Failure {
            try await failRestore(key, failure.description)
            return
        } catch let failure as BackupCipher.Failure {
            try await failRestore(key, failure.description)
            return
        } catch let failure as SecretBox.Failure {
            try await failRestore(key, failure.description)
            return
        }
        try await store.update(key) { state, _ in
            if state?.restore?.backup == backup { state?.restore = nil }
        }
    }

    private func failRestore(_ key: EnvironmentKey, _ reason: String) async throws {
        logger.warning("a restore was not done", metadata: ["project": "\(key.project)", "environment": "\(key.environment)", "error": "\(reason)"])
        try await store.update(key) { state, _ in state?.restore?.failure = reason }
    }
}
