import APIModel
import Drivers
import Foundation
import OpenAPIRuntime
import Spec

/// A team's logins to private registries (admin). Pulls of `HOST/...` images of the team's
/// environments send the login for HOST; no answer carries a password.
extension ControllerAPI {
    /// `GET /v1/registries` (viewer): the team's logins, without passwords.
    public func registryList(_ input: Operations.RegistryList.Input) async throws -> Operations.RegistryList.Output {
        let principal = try routed().caller()
        let set = try await requireVault().store.registries(principal.team)
        return .ok(.init(body: .json(set.credentials.map {
            RegistryView(host: $0.host.value, username: $0.username, setBy: $0.author, setAt: $0.at)
        })))
    }

    /// `PUT /v1/registries/:host {"username", "password"}` (admin): stores the login, sealed.
    public func registryLogin(_ input: Operations.RegistryLogin.Input) async throws -> Operations.RegistryLogin.Output {
        let context = try routed()
        let hostText = input.path.host
        let target = String(hostText.prefix(255))
        let request = switch input.body { case .json(let body): body }
        return try await audited(target: target, context, detail: "username \(request.username.prefix(64))") {
            let principal = try context.caller()
            let vault = try requireVault()
            let host = try Self.registryHost(hostText)
            guard !request.username.isEmpty, request.username.count <= 255, !request.username.contains(":"),
                  request.username.allSatisfy({ !$0.isNewline && $0 != "\u{0}" }) else {
                throw APIError(.badRequest, code: "bad_request", "the username must be 1 to 255 characters, without `:` or line breaks")
            }
            guard !request.password.isEmpty, request.password.utf8.count <= 16 * 1024 else {
                throw APIError(.badRequest, code: "bad_request", "the password must be 1 byte to 16 KiB")
            }
            try await vault.login(team: principal.team, host: host, username: request.username, password: request.password, author: principal.author)
            let now = time.now()
            return .ok(.init(body: .json(RegistryView(host: host.value, username: request.username, setBy: principal.author, setAt: now))))
        }
    }

    /// `DELETE /v1/registries/:host` (admin).
    public func registryLogout(_ input: Operations.RegistryLogout.Input) async throws -> Operations.RegistryLogout.Output {
        let context = try routed()
        let target = String(input.path.host.prefix(255))
        return try await audited(target: target, context) {
            let principal = try context.caller()
            let vault = try requireVault()
            let host = try Self.registryHost(input.path.host)
            guard try await vault.logout(team: principal.team, host: host) else {
                throw APIError.notFound("a login of team \(principal.team) to \(host)")
            }
            return .ok(.init(body: .json(.init(loggedOut: host.value))))
        }
    }

    static func registryHost(_ text: String) throws -> RegistryHost {
        do {
            return try RegistryHost(parsing: text.removingPercentEncoding ?? text)
        } catch {
            throw APIError(.badRequest, code: "bad_request", "registry \(text.prefix(255)): \(error.message)")
        }
    }
}
