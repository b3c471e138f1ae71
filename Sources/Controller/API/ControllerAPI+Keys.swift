import APIModel
import Drivers
import Foundation
import Hummingbird
import NIOCore
import Spec

extension ControllerAPI {
    struct CreateKeyRequest: Decodable {
        var team: String?
        var role: Role
        var name: String?
    }

    func listKeys(_ context: APIContext) async throws -> Response {
        let principal = try context.caller()
        let keys = try await keys.keys().filter { principal.role == .owner || $0.team == principal.team }
        return try JSONBody.response(keys.map { KeyView($0) })
    }

    func createKey(_ request: Request, _ context: APIContext) async throws -> Response {
        let (input, team) = try await readAudited(context) {
            try Self.keyRequest(try await request.body.collect(upTo: 64 * 1024))
        }
        // Target: the team and role asked for (the caller's team when none is named).
        let target = "\(team?.value ?? context.principal?.team.value ?? "-")/\(input.role)"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let team = team ?? principal.team
            // Admins manage their own team's keys below owner; owners manage any team's.
            guard principal.role == .owner || (team == principal.team && input.role < .owner) else {
                throw APIError(.forbidden, code: "forbidden", "an \(principal.role) key can create keys only for its own team and below owner")
            }
            let (key, record) = try await authenticator.createKey(team: team, role: input.role, name: input.name ?? "api", createdBy: principal.keyID)
            return try JSONBody.response(KeyView(record, key: key.text), status: .created)
        }
    }

    /// The body of `POST /v1/keys` and the team it names, if any.
    static func keyRequest(_ body: ByteBuffer) throws -> (CreateKeyRequest, ResourceName?) {
        let input: CreateKeyRequest
        do {
            input = try JSONDecoder().decode(CreateKeyRequest.self, from: body)
        } catch {
            throw APIError(.badRequest, code: "bad_request", "the body must be {\"role\": \"member\", \"team\": \"…\", \"name\": \"…\"}")
        }
        guard let text = input.team else { return (input, nil) }
        do {
            return (input, try ResourceName(parsing: text))
        } catch let error as InvalidValue {
            throw APIError(.badRequest, code: "bad_request", "team: \(error.message)")
        }
    }

    func revokeKey(_ context: APIContext) async throws -> Response {
        let id = context.parameters.get("id") ?? "-"
        return try await audited(target: id, context) {
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
            return try JSONBody.response(["revoked": id])
        }
    }

    func auditLog(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try context.caller()
        let query = request.uri.queryParameters
        let limit = query.get("limit").flatMap(Int.init) ?? 200
        var before: Date?
        if let text = query.get("before") {
            guard let time = ISO8601DateFormatter().date(from: String(text)) else {
                throw APIError(.badRequest, code: "bad_request", "before=\(String(text).debugDescription.prefix(60)) is not an RFC 3339 time; give the time of the oldest entry of the page you have")
            }
            before = time
        }
        var entries = try await keys.auditLog(team: principal.role == .owner ? nil : principal.team.value, limit: min(max(limit, 1), 5000), before: before)
        if principal.role != .owner, let since = try await teamSince(principal.team) {
            // A team deleted and created again under the same name does not read the old one's log.
            entries.removeAll { $0.time < since }
        }
        return try JSONBody.response(entries)
    }

    /// When the caller's team came into being (registered, or its first key): what happened
    /// under its name before that belongs to an earlier team of that name.
    func teamSince(_ team: ResourceName) async throws -> Date? {
        try await keys.teams().first { $0.name == team }?.createdAt
    }
}
