import APIModel
import Drivers
import Foundation
import OpenAPIRuntime
import Spec
import State

extension ControllerAPI {
    /// `POST /v1/projects/:project/cleanup[?environment=E]` (admin): every failed slot of the
    /// project's environments (or of E) is emptied; the loop then removes its stopped container.
    public func cleanup(_ input: Operations.Cleanup.Input) async throws -> Operations.Cleanup.Output {
        let context = try routed()
        let project = input.path.project
        let environment = input.query.environment
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
            return .accepted(.init(body: .json(.init(cleaned: cleaned))))
        }
    }
}
