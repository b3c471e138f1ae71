import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
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
        try await pushLocal("\(target):\(tag)")
        return "\(target):\(tag)"
    }

    /// A web image made here: busybox httpd serving `index` at `/` and `/health`, plus `blob`
    /// (random bytes make its layer unique, so a pull really downloads it). Imported as
    /// `reference` through the Engine API.
    public static func importWebImage(_ reference: String, index: String, blob: Data) async throws {
        var archive = TarArchive()
        guard let busybox = FileManager.default.contents(atPath: "/usr/bin/busybox") else {
            throw TestRegistryError("no /usr/bin/busybox to build an image from; install busybox-static")
        }
        archive.add("usr/bin/busybox", busybox, mode: 0o755)
        archive.add("www/index.html", Data(index.utf8))
        archive.add("www/health", Data("ok\n".utf8))
        archive.add("www/blob", blob)
        archive.add("tmp/.keep", Data())
        let (repository, tag) = split(reference)
        let changes = [#"CMD ["/usr/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]"#, "EXPOSE 8080/tcp"]
            .map { "&changes=\(escape($0))" }.joined()
        let body = try await engine(.POST, "/images/create?fromSrc=-&repo=\(escape(repository))&tag=\(tag)\(changes)",
                                    body: archive.bytes, expect: [200])
        if body.contains("\"error\"") { throw TestRegistryError("importing \(reference) failed: \(body.suffix(300))") }
    }

    /// Pushes a local image with the login, then removes it locally.
    public static func pushLocal(_ reference: String) async throws {
        let (repository, tag) = split(reference)
        let body = try await engine(.POST, "/images/\(escape(repository))/push?tag=\(tag)", headers: ["X-Registry-Auth": authHeader], expect: [200])
        if body.contains("\"error\"") { throw TestRegistryError("pushing \(reference) failed: \(body.suffix(300))") }
        try await removeLocal(reference)
    }

    static var authHeader: String {
        let json = (try? JSONEncoder().encode(["username": username, "password": password, "serveraddress": host])) ?? Data()
        return json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func split(_ reference: String) -> (String, String) {
        guard let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") else { return (reference, "latest") }
        return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
    }

    /// Tags the local image `source` as `target` (repository:tag) through the Engine API.
    public static func tagLocal(_ source: String, as target: String) async throws {
        let (repository, tag) = split(target)
        try await engine(.POST, "/images/\(escape(source))/tag?repo=\(escape(repository))&tag=\(tag)", expect: [201])
    }

    /// Removes a local tag (and the image, if nothing else names it); a missing one is fine.
    public static func removeLocal(_ reference: String) async throws {
        try await engine(.DELETE, "/images/\(escape(reference))?force=1", expect: [200, 404])
    }

    @discardableResult
    static func engine(_ method: HTTPMethod, _ path: String, headers: [String: String] = [:], body: Data? = nil, expect: Set<Int>) async throws -> String {
        var request = HTTPClientRequest(url: "http+unix://\(escape("/var/run/docker.sock"))/v1.41\(path)")
        request.method = method
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-tar")
            request.body = .bytes(ByteBuffer(data: body))
        }
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
