import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Nested in `ControllerCLITests`, whose `.serialized` keeps every test that runs a controller
/// process (and allocates the staging ports from a fresh store) one at a time.
extension ControllerCLITests {
    /// The reliability suite's hostile input, sent to a real controller over HTTP: every request
    /// gets a 4xx with a message, nothing is deployed, and no file appears outside the state and
    /// sites directories (canary paths the payloads aim at must not exist afterwards).
    @Suite(.timeLimit(.minutes(3)))
    struct HostileAPITests {
        struct Attack: Sendable, CustomStringConvertible {
            var name: String
            var method: HTTPMethod = .POST
            var path: String = "/v1/apply"
            var contentType: String? = "application/yaml"
            var headers: [(String, String)] = []
            var body: String = ""
            var bodyBytes: Int = 0
            var raw: [UInt8] = []
            /// Expected status when one is specific; otherwise any 4xx.
            var status: Int? = nil
            var withoutKey = false

            var description: String { name }
        }

        static let canary = "/tmp/codeb-pwned-" + UUID().uuidString.prefix(8).lowercased()

        static func spec(project: String = "hostile", domain: String = "hostile.test", extra: String = "") -> String {
            """
            project: \(project)
            team: acme
            image: codeb-test/web:1
            port: 8080
            \(extra)
            environments:
              staging: { domains: [\(domain)] }

            """
        }

        static let attacks: [Attack] = [
            Attack(name: "a 3 MiB body", bodyBytes: 3 << 20, status: 413),
            Attack(name: "a 3 MiB JSON body", contentType: "application/json", bodyBytes: 3 << 20, status: 413),
            Attack(name: "malformed YAML", body: "project: [shop\nteam: {", status: 400),
            Attack(name: "YAML that is a list", body: "- a\n- b\n", status: 400),
            Attack(name: "malformed JSON", contentType: "application/json", body: "{\"spec\": ", status: 400),
            Attack(name: "JSON with a number for the spec", contentType: "application/json", body: "{\"spec\": 42}", status: 400),
            Attack(name: "JSON with a huge nesting", contentType: "application/json", body: String(repeating: "[", count: 100_000), status: 400),
            Attack(name: "YAML sent as text/plain", contentType: "text/plain", body: spec(), status: 400),
            Attack(name: "no content type", contentType: nil, body: spec(), status: 400),
            Attack(name: "a multipart form", contentType: "multipart/form-data; boundary=x", body: "--x\r\n\r\n" + spec() + "\r\n--x--", status: 400),
            Attack(name: "invalid UTF-8", raw: Array("project: sh".utf8) + [0xC3, 0x28, 0xFF] + Array("op\n".utf8), status: 400),
            Attack(name: "a project name climbing out of the state dir", body: spec(project: "../../..\(canary)"), status: 400),
            Attack(name: "a project name with a shell command", body: spec(project: "\"a;touch \(canary)\""), status: 400),
            Attack(name: "a project name with a newline", body: spec(project: "\"a\\nb\""), status: 400),
            Attack(name: "a domain closing the Caddy site block", body: spec(domain: "\"x.test {\\n}\\nimport \(canary)\\n\""), status: 400),
            Attack(name: "a domain with a brace", body: spec(domain: "\"x.test}\""), status: 400),
            Attack(name: "a domain with a path", body: spec(domain: "\"x.test/../../etc\""), status: 400),
            Attack(name: "a wildcard domain", body: spec(domain: "\"*.test\""), status: 400),
            Attack(name: "an environment variable name with '='", body: spec(extra: "env: { \"A=B\": x }"), status: 400),
            Attack(name: "a health path with a newline", body: spec(extra: "healthcheck: { path: \"/h\\n}\" }"), status: 400),
            Attack(name: "an image with a shell command", body: spec().replacingOccurrences(of: "codeb-test/web:1", with: "\"web:1; touch \(canary)\""), status: 400),
            Attack(name: "an unknown query option", path: "/v1/apply?environment=../../etc", body: spec(), status: 400),
            Attack(name: "a path with dot-dot segments", method: .GET, path: "/v1/projects/..%2F..%2Fetc/environments/staging/history", contentType: nil),
            Attack(name: "a project path with a NUL", method: .GET, path: "/v1/projects/a%00b", contentType: nil),
            Attack(name: "an environment path with a slash", method: .POST, path: "/v1/projects/hostile/environments/a%2Fb/rollback", contentType: nil),
            Attack(name: "a wrong method", method: .PUT, contentType: nil),
            Attack(name: "no key", body: spec(), status: 401, withoutKey: true),
            Attack(name: "a Basic authorization", headers: [("Authorization", "Basic YWRtaW46YWRtaW4=")], body: spec(), status: 401, withoutKey: true),
            Attack(name: "a 16 KiB bearer token", headers: [("Authorization", "Bearer " + String(repeating: "a", count: 16 << 10))], body: spec(), status: 401, withoutKey: true),
            Attack(name: "two authorization headers", headers: [("Authorization", "Bearer x"), ("Authorization", "Bearer y")], body: spec(), status: 401, withoutKey: true),
            Attack(name: "an events filter climbing out", method: .GET, path: "/v1/events?project=../../etc", contentType: nil, status: 400),
            Attack(name: "a logs tail of a billion lines", method: .GET, path: "/v1/projects/hostile/environments/staging/logs?tail=1000000000", contentType: nil),
        ]

        @Test func everyHostileRequestGetsA4xxWithAMessageAndWritesNothing() async throws {
            try await CaddyInstance.run { caddy in
                let directory = NSTemporaryDirectory() + "codeb-hostile-" + UUID().uuidString.prefix(8).lowercased()
                let (controller, environment) = try await FaultTests.controller(caddy, directory)
                defer { if controller.isRunning { controller.terminate() } }
                let server = environment["CODEB_SERVER"]!, token = environment["CODEB_TOKEN"]!
                let stateBefore = try Self.files(under: directory)
                var failures: [String] = []
                for attack in Self.attacks {
                    var request = HTTPClientRequest(url: server + attack.path)
                    request.method = attack.method
                    if !attack.withoutKey { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                    for (name, value) in attack.headers { request.headers.add(name: name, value: value) }
                    if let contentType = attack.contentType { request.headers.add(name: "Content-Type", value: contentType) }
                    var body = ByteBuffer(string: attack.body)
                    if attack.bodyBytes > 0 { body = ByteBuffer(repeating: UInt8(ascii: "a"), count: attack.bodyBytes) }
                    if !attack.raw.isEmpty { body = ByteBuffer(bytes: attack.raw) }
                    if attack.method != .GET { request.body = .bytes(body) }
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    let status = Int(response.status.code)
                    let message = (try? JSONDecoder().decode(ErrorShape.self, from: Data(text.utf8)))?.error.message ?? ""
                    if let expected = attack.status, expected != status {
                        failures.append("\(attack): HTTP \(status), expected \(expected): \(text.prefix(200))")
                    } else if !(400..<500).contains(status) {
                        failures.append("\(attack): HTTP \(status): \(text.prefix(200))")
                    } else if message.isEmpty {
                        failures.append("\(attack): HTTP \(status) without an error message: \(text.prefix(200))")
                    }
                }
                #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
                #expect(controller.isRunning, "the controller survived")
                #expect(!FileManager.default.fileExists(atPath: Self.canary), "nothing reached \(Self.canary)")
                // Only the switch-mode probe site (written once per host) may be there.
                let sites = try FileManager.default.contentsOfDirectory(atPath: caddy.sitesDirectory).filter { $0 != "codeb-switch-probe.caddy" && $0 != "routes" }
                #expect(sites.isEmpty, "no site written: \(sites)")
                let routes = (try? FileManager.default.contentsOfDirectory(atPath: caddy.sitesDirectory + "/routes")) ?? []
                #expect(routes.allSatisfy { $0 == "switch-probe" }, "no route file written: \(routes)")
                let stateAfter = try Self.files(under: directory).subtracting(stateBefore)
                #expect(stateAfter.subtracting(["audit.jsonl"]).isEmpty, "only the audit log is new in the state dir: \(stateAfter)")
                let environments = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/environments")) ?? []
                #expect(environments.isEmpty, "no environment created: \(environments)")
                controller.terminate()
                controller.waitUntilExit()
            }
        }

        struct ErrorShape: Decodable {
            struct Inner: Decodable { var message: String }
            var error: Inner
        }

        static func files(under directory: String) throws -> Set<String> {
            Set(FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String }.filter { !$0.hasSuffix(".log") } ?? [])
        }
    }
}
