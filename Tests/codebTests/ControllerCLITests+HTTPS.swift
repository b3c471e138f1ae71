import Drivers
import Foundation
import TestSupport
import Testing

/// `apply --wait` against a controller whose Caddy issues certificates from a real ACME CA
/// (pebble): live means the new slot answers over TLS that verifies; a certificate that does not
/// come is said while it is waited for and ends the wait with its own exit code and sentence.
extension ControllerCLITests {
    @Test func overHTTPSApplyWaitIsLiveOverVerifiedTLSAndAMissingCertificateExitsFive() async throws {
        try await PebbleCA.run { ca in
            try await CaddyInstance.run(modern: true, acme: ca) { caddy in
                let project = "tls" + UUID().uuidString.prefix(8).lowercased()
                let other = project + "b"
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                let created = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory])
                #expect(created.status == 0)
                let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                // With --caddy-https-port beside --caddy-http-port: automatic HTTPS, Caddy's HTTP port beside it.
                let (controller, port) = try await Self.startController(caddy, directory, arguments: [
                    "--caddy-https-port", "\(caddy.httpsPort ?? 0)", "--tls-ca-file", ca.rootPath, "--certificate-timeout", "5s", "--switch", "file",
                ])
                Cleanup.add {
                    await Self.removeContainers(project)
                    await Self.removeContainers(other)
                }
                defer { if controller.isRunning { controller.terminate() } }
                var environment = ProcessInfo.processInfo.environment
                environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
                environment["CODEB_TOKEN"] = token
                func apply(_ name: String) async throws -> CLI.Result {
                    let file = directory + "/\(name).yaml"
                    try Self.spec(project: name, version: 1).write(toFile: file, atomically: true, encoding: .utf8)
                    return try await CLI.run(["apply", "-f", file, "--wait", "--timeout", "90s"], environment: environment)
                }

                let first = try await apply(project)
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
                #expect(first.stdout.contains("live: revision 1"))
                #expect(try await caddy.httpsGet("\(project).test").body == "codeb-test web v1\n")
                // The certificate is shown once a pass has read it.
                let shown = try await eventually("the certificate in codeb get") { () async throws -> String? in
                    let get = try await CLI.run(["get", project], environment: environment)
                    return get.stdout.contains("\(project).test") && get.stdout.contains("Pebble") ? get.stdout : nil
                }
                #expect(shown.contains("DOMAIN") && shown.contains(" days)"), "\(shown)")

                // No CA any more: a new domain gets no certificate.
                ca.stop()
                let pending = try await apply(other)
                #expect(pending.status == 5, "\(pending.stdout)\(pending.stderr)")
                #expect(pending.stdout.contains("waiting for a certificate for \(other).test"), "\(pending.stdout)")
                #expect(pending.stdout.contains("live: revision 1"), "\(pending.stdout)")
                #expect(pending.stderr.contains("live over the route, but no certificate that verifies") && pending.stderr.contains("\(other).test"), "\(pending.stderr)")
                let get = try await CLI.run(["get", other], environment: environment)
                #expect(get.stdout.contains("CertificatePending") || get.stdout.contains("none that verifies"), "\(get.stdout)")
            }
        }
    }
}
