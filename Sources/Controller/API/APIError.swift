import APIModel
import Drivers
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Spec
import State

/// An API failure, answered as `{"error": {"code", "message", "details"}}` with its status.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [SpecProblem]?

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, details: [SpecProblem]? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public static func unauthorized() -> APIError {
        APIError(.unauthorized, code: "unauthorized", "send a valid key as `Authorization: Bearer codeb_…`")
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", "\(what) does not exist")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONBody.response(ErrorBody(error: .init(code: code, message: message, details: details)), status: status)
    }

    /// Maps the store's and drivers' errors onto statuses.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as MissingSecrets:
            return APIError(.unprocessableContent, code: "missing_secrets", error.description)
        case let error as SecretBox.Failure:
            return APIError(.serviceUnavailable, code: "secret_key", error.description)
        case let error as SpecError:
            return APIError(.badRequest, code: "invalid_spec", "the spec has \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")", details: error.problems)
        case let error as StoreError:
            switch error.kind {
            case .notFound: return APIError(.notFound, code: "not_found", error.message)
            case .conflict: return APIError(.conflict, code: "conflict", error.message)
            case .invalid: return APIError(.unprocessableContent, code: "invalid_state", error.message)
            case .exhausted: return APIError(.conflict, code: "ports_exhausted", error.message)
            case .quotaExceeded: return APIError(.unprocessableContent, code: "quota_exceeded", error.message)
            case .locked, .io, .corrupt: return APIError(.serviceUnavailable, code: "store_unavailable", error.message)
            }
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: ErrorBodyMiddleware<APIContext>.code(.contentTooLarge), ErrorBodyMiddleware<APIContext>.tooLarge)
        default:
            return internalError(error)
        }
    }

    /// An error the API has no answer for: its text may name paths, addresses or engine
    /// internals, so the client gets a sentence and an id, and the log gets the detail under
    /// that id (for the operator to find when a user quotes it).
    public static func internalError(_ error: any Error, logger: Logger = APIError.logger) -> APIError {
        let id = String(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff, radix: 16)
        let padded = String(repeating: "0", count: max(0, 12 - id.count)) + id
        logger.error("internal error answered to an API request", metadata: ["error-id": "\(padded)", "error": "\(error)"])
        return APIError(.internalServerError, code: "internal", "the controller failed on this request (error id \(padded)); the operator finds the cause in the controller's log under that id")
    }

    public static let logger = Logger(label: "codeb.api")
}

/// The API's JSON answers: sorted keys, ISO 8601 dates.
public enum JSONBody {
    public static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
