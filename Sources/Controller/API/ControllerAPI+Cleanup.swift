import APIModel
import Drivers
import Foundation
import Hummingbird
import Spec

extension ControllerAPI {
    /// `POST /v1/projects/:project/cleanup[?environment=E]` (admin): every failed slot of the
    /// project's environments (or of E) is emptied; the loop then removes its stopped container.
    func cleanup(_ request: Request, _ context: APIContext) async throws -> Response {
        let project = context.parameters.get("project") ?? "-"
        let environment = request.uri.queryParameters.get("environment").map { String($0) }
        let target = String(project.prefix(64)) + (environment.map { "/" + $0.prefix(64) } ?? "")
        return try await audited(target: target, context) {
            let principal = try context.caller()
            guard let name = try? ResourceName(parsing: project) else { throw APIError.notFound("project \(project.prefix(64))") }
            var keys = try await store.keys().filter { $0.project == name }
            if let environment {
                keys = keys.filter { $0.environment.value == environment }
            }
            var owned: [EnvironmentKey] = []
            for key in keys {
                if let state = try await store.load(key), state.team == principal.team { owned.append(key) }
            }
            guard !owned.isEmpty else { throw APIError.notFound(environment.map { "\(project)/\($0)" } ?? "project \(project)") }
            var cleaned: [String] = []
            for key in owned {
                for slot in try await operations.cleanup(key) { cleaned.append("\(key)/\(slot)") }
            }
            return try JSONBody.response(["cleaned": cleaned], status: .accepted)
        }
    }
}
