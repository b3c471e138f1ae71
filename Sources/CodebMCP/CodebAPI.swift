import APIModel
import Foundation

/// The controller's HTTP API as the MCP tools reach it, on behalf of one caller. The tools
/// never bypass the API, so keys, roles, team scoping and the audit log apply unchanged; the
/// controller passes its own routes in-process (`InProcessAPI`), with the caller's key and
/// every action marked as coming through MCP.
public protocol CodebAPI: Sendable {
    /// The answer's status and body. Throws `ToolFailure` only when there is no answer.
    func send(_ method: APIMethod, _ path: String, json: Data?) async throws -> (status: Int, body: Data)
}

/// A tool call that failed; `description` is the tool's result text (for an API refusal, the
/// API's own error object) and `status` the HTTP status when the API answered.
public struct ToolFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var status: Int?
    public init(_ description: String, status: Int? = nil) {
        self.description = description
        self.status = status
    }
}
