import APIModel
import Foundation
import OpenAPIRuntime

/// The open operations: probes and the contract itself (no key).
extension ControllerAPI {
    public func healthz(_ input: Operations.Healthz.Input) async throws -> Operations.Healthz.Output {
        .ok(.init(body: .json(.init(additionalProperties: ["status": "ok"]))))
    }

    public func readyz(_ input: Operations.Readyz.Input) async throws -> Operations.Readyz.Output {
        let (ok, checks) = try await ready()
        let body = Components.Schemas.Strings(additionalProperties: checks)
        return ok ? .ok(.init(body: .json(body))) : .serviceUnavailable(.init(body: .json(body)))
    }

    public func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
        guard let metrics else { throw APIError.notFound("/metrics") }
        return .ok(.init(body: .plainText(HTTPBody(await metrics()))))
    }

    public func openapi(_ input: Operations.Openapi.Input) async throws -> Operations.Openapi.Output {
        .ok(.init(body: .json(try Self.contractDocument.get())))
    }

    /// The contract as the generated server's JSON value, read once.
    static let contractDocument = Result { try JSONDecoder().decode(OpenAPIObjectContainer.self, from: APIContract.json) }
}
