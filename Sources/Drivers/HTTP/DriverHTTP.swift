import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import State

/// The HTTP client every driver shares: no redirects (a 3xx is an answer), no read timeout
/// (event and log streams stay open; each call sets its own deadline), connect timeout 5 s.
enum DriverHTTP {
    /// Connections per host (dockerd's socket is one host): every followed log and the event
    /// stream hold one for as long as they last — up to the API's 256 streams — and a call
    /// finding none free waits, then fails. AsyncHTTPClient's default is 8.
    static let connectionsPerHost = 512

    /// Process-wide, like `HTTPClient.shared`; never shut down.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: nil)
        configuration.decompression = .disabled
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// For probing apps that may not listen yet: a refused connection fails the request at once
    /// instead of being retried with backoff (which would delay "healthy" by seconds).
    static let probeClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(2), read: nil)
        configuration.decompression = .disabled
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// A request to `endpoint`. Go servers (dockerd, Caddy) want a Host header, and Caddy 2.6
    /// accepts only an empty one on a unix socket, so unix requests send `Host:` empty.
    static func request(_ endpoint: HTTPEndpoint, _ method: HTTPMethod, _ pathAndQuery: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.url(pathAndQuery))
        request.method = method
        if endpoint.isUnix {
            request.headers.replaceOrAdd(name: "Host", value: "")
        }
        return request
    }

    /// Collects a response body up to `limit` bytes.
    static func body(_ response: HTTPClientResponse, limit: Int = 16 << 20) async throws -> Data {
        var buffer = try await response.body.collect(upTo: limit)
        return buffer.readData(length: buffer.readableBytes) ?? Data()
    }

    /// Percent-encodes a query component.
    static func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func query(_ items: [(String, String)]) -> String {
        items.isEmpty ? "" : "?" + items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(duration.inNanoseconds)
    }
}
