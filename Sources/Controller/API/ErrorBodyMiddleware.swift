import APIModel
import HTTPTypes
import Hummingbird
import Spec

/// Every error leaves the API as an `ErrorBody`, the framework's own included (413 for an
/// oversized body, 404 for an unknown route), so clients — the CLI, CI scripts, assistants —
/// parse one shape and always get a sentence.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error.status, code: Self.code(error.status), error.body ?? Self.message(error.status, request))
        } catch let error as any HTTPResponseError {
            // NIOTooManyBytesError (413) and the like answer with a bare status.
            throw APIError(error.status, code: Self.code(error.status), Self.message(error.status, request))
        } catch {
            // Anything else is a 500 with an id, never the error's own text.
            throw APIError.from(error)
        }
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .contentTooLarge: "too_large"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .unauthorized: "unauthorized"
        default: status.code < 500 ? "bad_request" : "internal"
        }
    }

    static var tooLarge: String { "the request body is too large: a codeb.yaml may be at most \(SpecLoader.maxBytes / 1024) KiB" }

    static func message(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .contentTooLarge: tooLarge
        case .notFound: "no endpoint \(request.method) \(request.uri.path); see GET /openapi.json for every operation"
        case .methodNotAllowed: "\(request.uri.path) does not take \(request.method)"
        default: "the request failed: \(status)"
        }
    }
}
