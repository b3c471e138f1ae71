import APIModel
import Foundation
import OpenAPIRuntime
import Planning
import Spec

extension ControllerAPI {
    /// `GET /caddy/ask?domain=NAME` (open): Caddy's on-demand TLS asks before it gets a
    /// certificate for a hostname. 200 exactly for a hostname an environment claims now (its
    /// domains, its preview names); anything else — unclaimed, or no hostname at all — the same
    /// 404, so the answer tells nothing more than whether a certificate is wanted.
    public func caddyAsk(_ input: Operations.CaddyAsk.Input) async throws -> Operations.CaddyAsk.Output {
        let name = (try? Hostname(parsing: input.query.domain))?.value
        let claimed = try await claims.contains(name) { try await claimedHostnames() }
        guard let name, claimed else {
            throw APIError(.notFound, code: "not_found", "no environment of this controller claims that hostname")
        }
        return .ok(.init(body: .json(.init(additionalProperties: ["domain": name]))))
    }

    /// Every hostname the stored environments' sites serve.
    func claimedHostnames() async throws -> Set<String> {
        var names: Set<String> = []
        for key in try await store.keys() {
            guard let state = try await store.load(key), !state.deleting else { continue }
            names.formUnion(Planner.hostnames(of: state, previewDomain: reconciler?.previewDomain).map(\.value))
        }
        return names
    }
}
