import APIModel
import Drivers
import Foundation
import Spec
import State

extension ControllerAPI {
    /// The backups of the caller's own environment's service; another team's is 404 like its
    /// project, and a backup is only ever looked up under its team's own directory.
    func serviceBackups() throws -> ServiceBackups {
        guard let reconciler, let files = reconciler.backups else {
            throw APIError(.conflict, code: "no_backups", "this controller keeps no backups (it runs without the reconcile loop or a backup directory)")
        }
        guard let vault else {
            throw APIError(.conflict, code: "no_secret_key", "backups are encrypted with the controller's secret key, and it has none usable (--secret-key-file)")
        }
        return ServiceBackups(files: files, runtime: reconciler.runtime, vault: vault, time: time)
    }

    /// `shop/production/db` as the audit log names a service (`-` for a name that is not one).
    func auditTarget(project: String, environment: String, service: String) -> String {
        (try? environmentKey(project: project, environment: environment).description).map { "\($0)/\(service)" } ?? "-"
    }

    static func view(_ record: BackupRecord) -> Components.Schemas.BackupView {
        .init(id: record.id, service: record.service, createdAt: record.createdAt, bytes: record.bytes, storedBytes: record.storedBytes,
              seconds: record.seconds, image: record.image, trigger: record.trigger)
    }

    /// A failure the caller can act on, as the API says it.
    static func backupError(_ error: any Error) -> any Error {
        switch error {
        case let failure as ServiceBackups.Failure: APIError(.conflict, code: "backup_refused", failure.description)
        case let failure as BackupCipher.Failure: APIError(.conflict, code: "backup_unusable", failure.description)
        default: error
        }
    }

    public func listBackups(_ input: Operations.ListBackups.Input) async throws -> Operations.ListBackups.Output {
        let principal = try routed().caller()
        let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
        let backups = try serviceBackups()
        do {
            return .ok(.init(body: .json(try backups.list(state, service: input.path.service).map(Self.view))))
        } catch let failure as ServiceBackups.Failure {
            throw APIError.notFound(failure.description)
        }
    }

    public func createBackup(_ input: Operations.CreateBackup.Input) async throws -> Operations.CreateBackup.Output {
        let context = try routed()
        let target = auditTarget(project: input.path.project, environment: input.path.environment, service: input.path.service)
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
            do {
                let record = try await serviceBackups().create(state, service: input.path.service, trigger: "manual")
                return .created(.init(body: .json(Self.view(record))))
            } catch {
                throw Self.backupError(error)
            }
        }
    }

    public func restoreBackup(_ input: Operations.RestoreBackup.Input) async throws -> Operations.RestoreBackup.Output {
        let context = try routed()
        let target = auditTarget(project: input.path.project, environment: input.path.environment, service: input.path.service)
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let state = try await ownedEnvironment(project: input.path.project, environment: input.path.environment, principal)
            var wanted: String?
            if case .json(let body) = input.body { wanted = body.backup }
            if let wanted, !BackupRecord.isValidID(wanted) {
                throw APIError(.badRequest, code: "bad_request", "`\(wanted)` is not a backup id (`codeb backup list` names them)")
            }
            let records: [BackupRecord]
            do {
                records = try serviceBackups().list(state, service: input.path.service)
            } catch {
                throw Self.backupError(error)
            }
            guard let record = wanted.map({ id in records.first { $0.id == id } }) ?? records.first else {
                throw APIError.notFound(wanted.map { "backup \($0) of \(state.key)/\(input.path.service)" } ?? "a backup of \(state.key)/\(input.path.service) (none was taken)")
            }
            let restore = ServiceRestore(service: input.path.service, backup: record.id, requestedAt: time.now(), by: principal.author)
            try await operations.requestRestore(state.key, restore)
            return .accepted(.init(body: .json(.init(restoring: record.id))))
        }
    }
}
