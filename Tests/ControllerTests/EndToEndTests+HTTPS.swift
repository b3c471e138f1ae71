import Controller
import Drivers
import Foundation
import Spec
import State
import TestSupport
import Testing

/// The whole loop with automatic HTTPS for real: certificates from pebble over a real ACME
/// exchange, "live" meaning the new slot answers over TLS that verifies.
extension EndToEndTests {
    static func runHTTPS(router configure: ((inout CaddyRouter.Configuration) -> Void)? = nil, _ body: (World, PebbleCA) async throws -> Void) async throws {
        try requireProductionPortsFree()
        try await PebbleCA.run { ca in
            try await CaddyInstance.run(modern: true, acme: ca) { caddy in
                var configuration = caddy.router(switching: .file).configuration
                configure?(&configuration)
                let world = try World(caddy: caddy, router: CaddyRouter(configuration))
                do {
                    try await body(world, ca)
                } catch {
                    await world.cleanUp()
                    throw error
                }
                await world.cleanUp()
            }
        }
    }

    @Test func overHTTPSEachRevisionIsLiveOverVerifiedTLSAndTheCertificateIsRecorded() async throws {
        try await Self.runHTTPS { world, _ in
            func servedOverTLS() async -> String? { try? await world.caddy.httpsGet(world.domain).body }
            try await world.apply(1)
            try await world.converge("v1 served over verified TLS") { await servedOverTLS() == "codeb-test web v1\n" }
            // The pass after the promotion reads what Caddy serves.
            try await world.converge("the certificate recorded") { await world.state()?.status.certificates.first?.verified == true }
            let certificate = try #require(await world.state()?.status.certificates.first)
            #expect(certificate.domain.value == world.domain && certificate.issuer?.contains("Pebble") == true, "\(certificate)")
            #expect(await world.state()?.status.condition(.degraded)?.reason == .asExpected)

            let loads = world.caddy.loadsCompleted()
            try await world.apply(2)
            try await world.converge("v2 served over verified TLS") { await servedOverTLS() == "codeb-test web v2\n" }
            try await world.operations.rollback(world.key, author: "e2e")
            try await world.converge("v1 again after the rollback") { await servedOverTLS() == "codeb-test web v1\n" }
            #expect(world.caddy.loadsCompleted() == loads, "switches by route file: no reload")
        }
    }

    /// No CA answering: the promotion waits the certificate timeout, saying so on the slot, then
    /// goes live over the route with the environment CertificatePending saying why.
    @Test func aCertificateThatDoesNotComeLeavesTheRouteLiveAndTheEnvironmentCertificatePending() async throws {
        try await Self.runHTTPS(router: { $0.confirmationTimeout = .seconds(2); $0.certificateTimeout = .seconds(6) }) { world, ca in
            ca.stop()
            try await world.apply(1)
            // The passes run beside a reader of the store, as `apply --wait` reads the API.
            let passes = Task { try await world.converge("live over the route", within: .seconds(60)) { await world.state()?.blue.state == .active } }
            _ = try await eventually("the slot says what it waits for", within: .seconds(30), every: .milliseconds(50)) {
                await world.state()?.blue.waiting == "waiting for a certificate for \(world.domain)" ? true : nil
            }
            try await passes.value
            let state = try #require(await world.state())
            let degraded = try #require(state.status.condition(.degraded))
            #expect(degraded.status && degraded.reason == .certificatePending, "\(degraded)")
            #expect(degraded.message.contains(world.domain), "\(degraded.message)")
            #expect(state.blue.waiting == nil, "the wait is over")
            #expect(state.status.condition(.ready)?.reason == .live)
            // Later passes read it themselves and keep saying so.
            _ = try await world.reconciler.reconcile(world.key)
            #expect(await world.state()?.status.condition(.degraded)?.reason == .certificatePending)
            #expect(await world.state()?.status.certificates.first?.verified == false)
        }
    }

    /// `tls: internal`: Caddy's own CA issues, the promotion verifies against Caddy's root read
    /// from its admin API, the certificate is recorded as verified; `hsts: true` sends the header.
    @Test func anInternalTLSEnvironmentIsLiveOverTLSVerifiedAgainstCaddysOwnRootWithHSTS() async throws {
        try await Self.runHTTPS { world, _ in
            let text = try world.specText(1).replacingOccurrences(of: "production: { domains: [\(world.domain)] }", with: "production: { domains: [\(world.domain)], tls: internal, hsts: true }")
            try await world.operations.apply(try SpecLoader.load(text, file: "codeb.yaml"), environment: .production, author: "e2e")
            try await world.converge("live") { await world.state()?.blue.state == .active }
            try await world.converge("the certificate recorded") { await world.state()?.status.certificates.first?.verified == true }
            let certificate = try #require(await world.state()?.status.certificates.first)
            #expect(certificate.issuer?.contains("Caddy Local Authority") == true, "\(certificate)")
            let root = try #require(await world.caddy.router().localCARoot())
            let answer = try await world.caddy.httpsGet(world.domain, rootPEM: root)
            #expect(answer.body == "codeb-test web v1\n")
            #expect(answer.headers["strict-transport-security"] == "max-age=31536000")
        }
    }

    /// A CA that is away when the domain is new, then back: CertificatePending while it is away,
    /// cleared by itself once the certificate is issued (no apply, no person).
    @Test func aCertificateIssuedLateClearsCertificatePendingByItself() async throws {
        try await Self.runHTTPS(router: { $0.confirmationTimeout = .seconds(2); $0.certificateTimeout = .seconds(4) }) { world, ca in
            ca.pause()
            try await world.apply(1)
            try await world.converge("live over the route, certificate pending", within: .seconds(60)) {
                await world.state()?.status.condition(.degraded)?.reason == .certificatePending
            }
            ca.resume()
            try await world.converge("the certificate issued and the condition cleared", within: .seconds(90)) {
                let status = await world.state()?.status
                return status?.condition(.degraded)?.reason == .asExpected && status?.certificates.first?.verified == true
            }
            #expect(try await world.caddy.httpsGet(world.domain).body == "codeb-test web v1\n")
        }
    }
}
