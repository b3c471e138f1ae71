import APIModel
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Talks to the controller's API; turns its error bodies into one clear sentence.
struct APIClient: Sendable {
    let base: String
    let token: String

    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Sends a request; returns the status and body, or throws `CLIError` for a transport failure.
    func send(_ method: APIMethod, _ path: String, body: Data? = nil) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        request.headers.replaceOrAdd(name: "User-Agent", value: "codeb-cli")
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        do {
            let response = try await Self.http.execute(request, timeout: .seconds(60))
            var buffer = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), buffer.readData(length: buffer.readableBytes) ?? Data())
        } catch {
            throw CLIError("cannot reach the controller at \(base) (\(error)); is `codeb controller` running there?")
        }
    }

    /// Sends and decodes a success; an error answer becomes its message.
    func call<T: Decodable>(_ method: APIMethod, _ path: String, body: Data? = nil, as type: T.Type) async throws -> T {
        let (status, data) = try await send(method, path, body: body)
        guard (200..<300).contains(status) else { throw Self.failure(status, data) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw CLIError("the controller answered something this codeb does not understand (\(error)); are the versions the same?")
        }
    }

    /// Streams a response body chunk by chunk (logs -f, events -f) until the server ends it.
    func stream(_ path: String, _ chunk: (Data) throws -> Void) async throws {
        var request = HTTPClientRequest(url: base + path)
        request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        let response: HTTPClientResponse
        do {
            response = try await Self.http.execute(request, deadline: .distantFuture)
        } catch {
            throw CLIError("cannot reach the controller at \(base) (\(error)); is `codeb controller` running there?")
        }
        guard response.status.code == 200 else {
            var buffer = try await response.body.collect(upTo: 1 << 20)
            throw Self.failure(Int(response.status.code), buffer.readData(length: buffer.readableBytes) ?? Data())
        }
        for try await var buffer in response.body {
            try chunk(buffer.readData(length: buffer.readableBytes) ?? Data())
        }
    }

    static func failure(_ status: Int, _ data: Data) -> Error {
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
