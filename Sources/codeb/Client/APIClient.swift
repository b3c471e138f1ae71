import APIModel
import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// Talks to the controller through the client generated from the API contract (every operation a
/// typed method; no path is written here); turns its error bodies into one clear sentence.
struct APIClient: Sendable {
    let base: String
    let token: String

    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Runs `operation` on the generated client: an error answer throws its message (and exit
    /// code), a transport failure says the controller cannot be reached, an answer this codeb
    /// cannot read says so. `following` lifts the request's deadline (a followed stream).
    func perform<T>(following: Bool = false, _ operation: (Client) async throws -> T) async throws -> T {
        guard let url = URL(string: base) else { throw CLIError("--server \(base) is not a URL") }
        let transport = AsyncHTTPClientTransport(configuration: .init(client: Self.http, timeout: following ? .hours(24 * 365) : .seconds(60)))
        let client = Client(serverURL: url, transport: transport, middlewares: [Credentials(token: token)])
        do {
            return try await operation(client)
        } catch let error as ClientError {
            if let answer = error.underlyingError as? CLIError { throw answer }
            guard error.response != nil else {
                throw CLIError("cannot reach the controller at \(base) (\(error.underlyingError)); is `codeb controller` running there?")
            }
            if Self.connectionLost(error.underlyingError) {
                // The answer began and the connection ended: the controller stopped (or the
                // network dropped) while answering — not an answer in another codeb's words.
                throw CLIError("cannot reach the controller at \(base) to the end of its answer: the connection closed in the middle (\(error.underlyingError)); it may have stopped, and what was asked may have been done — look with `codeb status` once it is back")
            }
            throw CLIError("the controller answered something this codeb does not understand (\(error.underlyingError)); are the versions the same?")
        }
    }

    /// Whether `error` is the connection ending during an answer, not the answer being unreadable.
    static func connectionLost(_ error: any Error) -> Bool {
        error is HTTPParserError || error is HTTPClientError || error is IOError || error is ChannelError
    }

    /// Adds the key to every request and turns an error answer (4xx, 5xx) into `CLIError` before
    /// the generated code decodes anything.
    struct Credentials: ClientMiddleware {
        let token: String

        func intercept(
            _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
            next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
        ) async throws -> (HTTPResponse, HTTPBody?) {
            var request = request
            request.headerFields[.authorization] = "Bearer \(token)"
            request.headerFields[.userAgent] = "codeb-cli"
            let (response, answer) = try await next(request, body, baseURL)
            guard response.status.code >= 400 else { return (response, answer) }
            var data = Data()
            if let answer { data = try await Data(collecting: answer, upTo: 1 << 20) }
            throw APIClient.failure(Int(response.status.code), data)
        }
    }

    static func failure(_ status: Int, _ data: Data) -> CLIError {
        guard let body = try? JSONDecoder().decode(ErrorBody.self, from: data) else {
            return CLIError("the controller answered HTTP \(status)")
        }
        if let details = body.error.details, !details.isEmpty {
            return CLIError(([body.error.message + ":"] + details.map(\.description)).joined(separator: "\n"))
        }
        // Like a spec problem: the input must change before it can go through.
        return CLIError(body.error.message, exitCode: body.error.code == "missing_secrets" ? 2 : 1)
    }
}

extension HTTPBody {
    /// Hands each chunk of a (followed) answer to `chunk` as it arrives.
    func forEachChunk(_ chunk: (Data) throws -> Void) async throws {
        for try await part in self { try chunk(Data(part)) }
    }
}

extension APIClient {
    /// `apply`: a dry run answers 200, an apply 202; both carry the result.
    func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        try await perform { client in
            switch try await client.apply(body: .json(request)) {
            case .ok(let answer): try answer.body.json
            case .accepted(let answer): try answer.body.json
            case let other: throw CLIError("the controller answered apply with \(other)")
            }
        }
    }
}
