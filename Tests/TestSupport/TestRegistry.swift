import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The private registry `.ci/setup` starts (docker-registry with htpasswd auth on
/// 127.0.0.1:55000) and pushing to it through the Engine API, as a team's CI would.
public enum TestRegistry {
    public static let host = "127.0.0.1:55000"
    public static let username = "codeb-ci"
    public static let password = "codeb-registry-test"

    /// Whether the registry answers and wants a login (401 on /v2/); a test that needs it fails
    /// with this reason when it is not there.
    public static func check() async throws {
        let status = try await httpGet("http://\(host)/v2/").status
        guard status == 401 else {
            throw TestRegistryError("the test registry on \(host) answered HTTP \(status) to /v2/, not 401; run .ci/setup")
        }
    }

    /// Tags `source` as `host/repository:tag`, pushes it with the login and removes the local
    /// tag, so the image is then only in the registry. Returns the pushed reference.
    @discardableResult
    public static func push(_ source: String, repository: String, tag: String) async throws -> String {
        try await check()
        let target = "\(host)/\(repository)"
        try await engine(.POST, "/images/\(escape(source))/tag?repo=\(escape(target))&tag=\(tag)", expect: [201])
        let auth = try JSONEncoder().encode(["username": username, "password": password, "serveraddress": host]).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let body = try await engine(.POST, "/images/\(escape(target))/push?tag=\(tag)", headers: ["X-Registry-Auth": auth], expect: [200])
        if body.contains("\"error\"") { throw TestRegistryError("pushing \(target):\(tag) failed: \(body.suffix(300))") }
        try await removeLocal("\(target):\(tag)")
        return "\(target):\(tag)"
    }

    /// Removes a local tag (and the image, if nothing else names it); a missing one is fine.
    public static func removeLocal(_ reference: String) async throws {
        try await engine(.DELETE, "/images/\(escape(reference))?force=1", expect: [200, 404])
    }

    @discardableResult
    static func engine(_ method: HTTPMethod, _ path: String, headers: [String: String] = [:], expect: Set<Int>) async throws -> String {
        var request = HTTPClientRequest(url: "http+unix://\(escape("/var/run/docker.sock"))/v1.41\(path)")
        request.method = method
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let body = String(buffer: try await response.body.collect(upTo: 16 << 20))
        guard expect.contains(Int(response.status.code)) else {
            throw TestRegistryError("\(method) \(path): HTTP \(response.status.code): \(body.prefix(300))")
        }
        return body
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// The test registry could not be used as a test needs.
public struct TestRegistryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
