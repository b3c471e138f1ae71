import APIModel
import Drivers
import Foundation
import Hummingbird
import Spec

/// A team's logins to private registries (admin). Pulls of `HOST/...` images of the team's
/// environments send the login for HOST; no answer carries a password.
extension ControllerAPI {
    /// `GET /v1/registries` (viewer): the team's logins, without passwords.
    func listRegistries(_ context: APIContext) async throws -> Response {
        let principal = try context.caller()
        let set = try await requireVault().store.registries(principal.team)
        return try JSONBody.response(set.credentials.map {
            RegistryView(host: $0.host.value, username: $0.username, setBy: $0.author, setAt: $0.at)
        })
    }

    /// `PUT /v1/registries/:host {"username", "password"}` (admin): stores the login, sealed.
    func registryLogin(_ request: Request, _ context: APIContext) async throws -> Response {
        let target = context.parameters.get("host").map { String($0.prefix(255)) } ?? "-"
        let input = try await readAudited(context) {
            try Self.decode(RegistryLoginRequest.self, try await request.body.collect(upTo: 64 * 1024), example: #"{"username": "ci", "password": "…"}"#)
        }
        return try await audited(target: target, context, detail: "username \(input.username.prefix(64))") {
            let principal = try context.caller()
            let vault = try requireVault()
            let host = try Self.registryHost(context)
            guard !input.username.isEmpty, input.username.count <= 255, !input.username.contains(":"),
                  input.username.allSatisfy({ !$0.isNewline && $0 != "\u{0}" }) else {
                throw APIError(.badRequest, code: "bad_request", "the username must be 1 to 255 characters, without `:` or line breaks")
            }
            guard !input.password.isEmpty, input.password.utf8.count <= 16 * 1024 else {
                throw APIError(.badRequest, code: "bad_request", "the password must be 1 byte to 16 KiB")
            }
            try await vault.login(team: principal.team, host: host, username: input.username, password: input.password, author: principal.keyID)
            let now = time.now()
            return try JSONBody.response(RegistryView(host: host.value, username: input.username, setBy: principal.keyID, setAt: now))
        }
    }

    /// `DELETE /v1/registries/:host` (admin).
    func registryLogout(_ context: APIContext) async throws -> Response {
        let target = context.parameters.get("host").map { String($0.prefix(255)) } ?? "-"
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let vault = try requireVault()
            let host = try Self.registryHost(context)
            guard try await vault.logout(team: principal.team, host: host) else {
                throw APIError.notFound("a login of team \(principal.team) to \(host)")
            }
            return try JSONBody.response(["loggedOut": host.value])
        }
    }

    static func registryHost(_ context: APIContext) throws -> RegistryHost {
        let text = context.parameters.get("host") ?? ""
        do {
            return try RegistryHost(parsing: text.removingPercentEncoding ?? text)
        } catch {
            throw APIError(.badRequest, code: "bad_request", "registry \(text.prefix(255)): \(error.message)")
        }
    }
}
