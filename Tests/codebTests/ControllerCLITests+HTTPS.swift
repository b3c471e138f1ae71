import Drivers
import Foundation
import Spec
import State
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
                let settings = ["--caddy-config", caddy.caddyfile, "--caddy-sites", caddy.sitesDirectory, "--caddy-admin", "\(caddy.admin)",
                                "--caddy-http-port", "\(caddy.httpPort)", "--caddy-https-port", "\(caddy.httpsPort ?? 0)", "--tls-ca-file", ca.rootPath,
                                "--listen", "127.0.0.1:\(port)", "--state-dir", directory]
                // The expiry as a metric, per domain.
                let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                #expect(metrics.contains("codeb_certificate_expiry_timestamp_seconds{domain=\"\(project).test\"}"), "\(metrics.split(separator: "\n").filter { $0.contains("certificate") })")
                let healthy = try await CLI.run(["doctor"] + settings, environment: environment)
                #expect(healthy.stdout.contains("1 live domain served with certificates that verify; the soonest ends in"), "\(healthy.stdout)")

                // No CA any more: a new domain gets no certificate.
                ca.stop()
                let pending = try await apply(other)
                #expect(pending.status == 5, "\(pending.stdout)\(pending.stderr)")
                #expect(pending.stdout.contains("waiting for a certificate for \(other).test"), "\(pending.stdout)")
                #expect(pending.stdout.contains("live: revision 1"), "\(pending.stdout)")
                #expect(pending.stderr.contains("live over the route, but no certificate that verifies") && pending.stderr.contains("\(other).test"), "\(pending.stderr)")
                let get = try await CLI.run(["get", other], environment: environment)
                #expect(get.stdout.contains("CertificatePending") || get.stdout.contains("none that verifies"), "\(get.stdout)")
                let doctor = try await CLI.run(["doctor"] + settings, environment: environment)
                let line = doctor.stdout.split(separator: "\n").first { $0.contains("certificates") }.map(String.init) ?? ""
                #expect(line.hasPrefix("warn") && line.contains("\(other).test: no certificate is served") && line.contains("does not resolve from this host"), "\(doctor.stdout)")
            }
        }
    }

    /// With a preview domain, preview names get certificates on demand: Caddy asks the
    /// controller at the first handshake and issues only for names an environment claims.
    @Test func previewsGetCertificatesOnDemandAndAnUnclaimedNameIsRefusedAtTheHandshake() async throws {
        let controllerPort = FreePort.next()
        try await PebbleCA.run { ca in
            let ask = "\ton_demand_tls {\n\t\task http://127.0.0.1:\(controllerPort)/caddy/ask\n\t}"
            try await CaddyInstance.run(modern: true, acme: ca, globalOptions: ask) { caddy in
                let project = "otd" + UUID().uuidString.prefix(8).lowercased()
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                let created = try await CLI.run(["keys", "create", "--team", "acme", "--role", "member", "--state-dir", directory])
                let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let arguments = ["--caddy-https-port", "\(caddy.httpsPort ?? 0)", "--tls-ca-file", ca.rootPath, "--switch", "file", "--preview-domain", "preview.test"]
                let (controller, port) = try await Self.startController(caddy, directory, arguments: arguments, port: controllerPort)
                Cleanup.add { await Self.removeContainers(project) }
                defer { if controller.isRunning { controller.terminate() } }
                var environment = ProcessInfo.processInfo.environment
                environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
                environment["CODEB_TOKEN"] = token

                let doctor = try await CLI.run(["doctor", "--caddy-config", caddy.caddyfile, "--caddy-sites", caddy.sitesDirectory, "--caddy-admin", "\(caddy.admin)",
                                                "--listen", "127.0.0.1:\(port)", "--state-dir", directory] + arguments, environment: environment)
                #expect(doctor.stdout.contains("previews") && doctor.stdout.contains("on demand"), "\(doctor.stdout)")

                let file = directory + "/codeb.yaml"
                try Self.spec(project: project, version: 1).replacingOccurrences(of: "staging: { domains: [\(project).test] }", with: "preview: {}")
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let applied = try await CLI.run(["apply", "-f", file, "--env", "preview-pr-1", "--wait", "--timeout", "90s"], environment: environment)
                #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
                let site = try String(contentsOfFile: caddy.sitesDirectory + "/\(project)-preview-pr-1.caddy", encoding: .utf8)
                #expect(site.contains("on_demand"), "\(site)")
                #expect(try await caddy.httpsGet("preview-pr-1.\(project).preview.test").body == "codeb-test web v1\n")

                // Caddy asked before issuing it (and the answer was yes).
                let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                let asked = metrics.split(separator: "\n").filter { $0.hasPrefix("codeb_api_requests_total") && $0.contains("/caddy/ask") }
                #expect(asked.contains { $0.contains("\"200\"") }, "\(asked)")
                // A name nobody claims under the preview domain: refused at the handshake (Caddy has
                // no site for it, so it does not even ask), and the ask would say no.
                await #expect(throws: (any Error).self) { try await caddy.httpsGet("nobody.\(project).preview.test") }
                #expect(try await httpGet("http://127.0.0.1:\(port)/caddy/ask?domain=nobody.\(project).preview.test").status == 404)
                // A site Caddy has for a name nobody claims (a stray file, before the orphan sweep):
                // Caddy asks at the handshake, codeb says no, nothing is issued.
                var stray = caddy.router(switching: .reload).configuration
                stray.renderer = CaddySiteRenderer(addressMode: .automaticHTTPS, onDemandUnder: try Hostname(parsing: "preview.test"))
                let strayName = "stale.\(project).preview.test"
                let strayKey = EnvironmentKey(project: try ResourceName(parsing: project + "x"), environment: .production)
                _ = try await CaddyRouter(stray).apply([.write(SiteConfig(
                    key: strayKey, revision: 1, hash: "stray", routes: [SiteRoute(domains: [try Hostname(parsing: strayName)], upstreams: [Upstream(port: 9)])]
                ))])
                await #expect(throws: (any Error).self) { try await caddy.httpsGet(strayName) }
                let after = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                let refused = after.split(separator: "\n").filter { $0.hasPrefix("codeb_api_requests_total") && $0.contains("/caddy/ask") && $0.contains("\"404\"") }
                #expect(!refused.isEmpty, "Caddy asked about \(strayName) and was refused: \(after.split(separator: "\n").filter { $0.contains("caddy/ask") })")
                #expect(try await httpGet("http://127.0.0.1:\(port)/caddy/ask?domain=preview-pr-1.\(project).preview.test").status == 200)
            }
        }
    }
}
