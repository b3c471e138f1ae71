import APIModel
import Drivers
import Foundation
import OpenAPIRuntime
import Spec

extension ControllerAPI {
    public func listKeys(_ input: Operations.ListKeys.Input) async throws -> Operations.ListKeys.Output {
        let principal = try routed().caller()
        let keys = try await keys.keys().filter { principal.role == .owner || $0.team == principal.team }
        return .ok(.init(body: .json(keys.map { KeyView($0) })))
    }

    public func createKey(_ input: Operations.CreateKey.Input) async throws -> Operations.CreateKey.Output {
        let context = try routed()
        let request = switch input.body { case .json(let body): body }
        // The contract's enum of roles is the API's: the generated server read it.
        let role = Role(rawValue: request.role.rawValue) ?? .owner
        let team = try await readAudited(context) { try Self.keyTeam(request.team) }
        // Target: the team and role asked for (the caller's team when none is named).
        let target = "\(team?.value ?? context.principal?.team.value ?? "-")/\(role)"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let team = team ?? principal.team
            // Admins manage their own team's keys below owner; owners manage any team's.
            guard principal.role == .owner || (team == principal.team && role < .owner) else {
                throw APIError(.forbidden, code: "forbidden", "an \(principal.role) key can create keys only for its own team and below owner")
            }
            let (key, record) = try await authenticator.createKey(team: team, role: role, name: request.name ?? "api", createdBy: principal.keyID)
            return .created(.init(body: .json(KeyView(record, key: key.text))))
        }
    }

    /// The team a `POST /v1/keys` body names, if any.
    static func keyTeam(_ text: String?) throws -> ResourceName? {
        guard let text else { return nil }
        do {
            return try ResourceName(parsing: text)
        } catch let error as InvalidValue {
            throw APIError(.badRequest, code: "bad_request", "team: \(error.message)")
        }
    }

    public func revokeKey(_ input: Operations.RevokeKey.Input) async throws -> Operations.RevokeKey.Output {
        let context = try routed()
        let id = input.path.id
        return try await audited(target: String(id.prefix(255)), context) {
            let principal = try context.caller()
            guard let record = try await keys.keys().first(where: { $0.id == id && $0.revokedAt == nil }),
                  principal.role == .owner || record.team == principal.team
            else { throw APIError.notFound("key \(id)") }
            // No role acts on a key of a higher role (an unreadable role counts as the highest).
            let role = Role(rawValue: record.role) ?? .owner
            guard role <= principal.role else {
                throw APIError(.forbidden, code: "forbidden", "an \(principal.role) key cannot revoke a key of role \(role); ask someone with an \(role) key")
            }
            _ = try await keys.revoke(id: id, at: time.now())
            return .ok(.init(body: .json(.init(revoked: id))))
        }
    }

    public func auditLog(_ input: Operations.AuditLog.Input) async throws -> Operations.AuditLog.Output {
        let principal = try routed().caller()
        // `limit`'s bounds and `before`'s form are the contract's, checked before the handler.
        let limit = input.query.limit ?? 200
        var entries = try await keys.auditLog(team: principal.role == .owner ? nil : principal.team.value, limit: limit, before: input.query.before)
        if principal.role != .owner, let since = try await teamSince(principal.team) {
            // A team deleted and created again under the same name does not read the old one's log.
            entries.removeAll { $0.time < since }
        }
        return .ok(.init(body: .json(entries)))
    }

    /// When the caller's team came into being (registered, or its first key): what happened
    /// under its name before that belongs to an earlier team of that name.
    func teamSince(_ team: ResourceName) async throws -> Date? {
        try await keys.teams().first { $0.name == team }?.createdAt
    }
}
