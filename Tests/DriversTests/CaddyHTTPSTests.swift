import Drivers
import Foundation
import Spec
import State
import TestSupport
import Synchronization
import Testing

/// Automatic HTTPS for real: certificates issued by pebble over a real ACME exchange (HTTP-01 or
/// TLS-ALPN-01 validated against Caddy's own listeners), and a switch confirmed only when the
/// new upstream answers over TLS that verifies.
@Suite(.timeLimit(.minutes(3)))
struct CaddyHTTPSTests {
    /// Debian's Caddy 2.6 (switches by reload) and the Caddy ≥ 2.8 (by route file).
    @Test(arguments: [false, true])
    func aSiteIsConfirmedOverVerifiedTLSThenSwitchedAndEachAnswerVerifies(modern: Bool) async throws {
        try await TestScope.run { scope in
            let (v1, v2) = try await CaddyRouterTests.upstreams(scope)
            try await PebbleCA.run { ca in
                try await CaddyInstance.run(modern: modern, acme: ca) { caddy in
                    let router = caddy.router(switching: modern ? .file : .reload, confirmationTimeout: .seconds(60))
                    let first = try CaddyRouterTests.site("shop", domains: ["shop.test"], upstreams: [v1])
                    _ = try await router.apply([.write(first)])
                    try await router.confirm(first, path: "/health")
                    #expect(try await caddy.httpsGet("shop.test").body == "codeb-test web v1\n")
                    let shop = try Hostname(parsing: "shop.test")
                    let served = try #require(await router.certificates(for: [shop]).first)
                    #expect(served.verified && served.problem == nil, "\(served)")
                    #expect(served.issuer?.contains("Pebble") == true, "\(served)")
                    #expect(served.daysLeft(at: Date()).map { $0 > 1 } == true, "\(served)")

                    let loads = caddy.loadsCompleted()
                    let second = try CaddyRouterTests.site("shop", domains: ["shop.test"], upstreams: [v2, v1], revision: 2)
                    _ = try await router.apply([.write(second)])
                    try await router.confirm(second, path: "/health")
                    for _ in 0..<5 { #expect(try await caddy.httpsGet("shop.test").body == "codeb-test web v2\n") }
                    if modern { #expect(caddy.loadsCompleted() == loads, "a switch by route file reloads nothing") }
                }
            }
        }
    }

    /// A certificate the probe cannot verify is not "live over TLS": without the CA's root the
    /// confirmation waits the certificate timeout, saying so, and ends `.certificatePending`
    /// naming the listener and the TLS failure.
    @Test func aCertificateThatDoesNotVerifyEndsPendingAfterTheCertificateTimeout() async throws {
        try await TestScope.run { scope in
            let (v1, _) = try await CaddyRouterTests.upstreams(scope)
            try await PebbleCA.run { ca in
                try await CaddyInstance.run(modern: true, acme: ca) { caddy in
                    var configuration = caddy.router(switching: .file).configuration
                    configuration.trustedCAFile = nil
                    configuration.confirmationTimeout = .seconds(2)
                    configuration.certificateTimeout = .seconds(4)
                    let router = CaddyRouter(configuration)
                    let site = try CaddyRouterTests.site("shop", domains: ["shop.test"], upstreams: [v1])
                    _ = try await router.apply([.write(site)])
                    let heard = Mutex<[String?]>([])
                    let outcome = try await router.confirm(site, path: "/health") { message in heard.withLock { $0.append(message) } }
                    #expect(heard.withLock { $0 } == ["waiting for a certificate for shop.test", nil])
                    guard case .certificatePending(let domain, let text) = outcome else {
                        Issue.record("expected certificatePending, got \(outcome)")
                        return
                    }
                    #expect(domain.value == "shop.test" && text.contains("within 4s"), "\(text)")
                    #expect(text.contains("https://127.0.0.1:\(caddy.httpsPort ?? 0)"), "\(text)")
                    #expect(text.lowercased().contains("certificate") || text.lowercased().contains("handshake"), "\(text)")
                    // What is served is still read, and said not to verify; a name Caddy has no
                    // site for gets no certificate at all.
                    let served = try #require(await router.certificates(for: [try Hostname(parsing: "shop.test")]).first)
                    #expect(!served.verified && served.issuer?.contains("Pebble") == true && served.problem?.contains("does not verify") == true, "\(served)")
                    let unknown = try #require(await router.certificates(for: [try Hostname(parsing: "nobody.test")]).first)
                    #expect(!unknown.verified && unknown.issuer == nil && unknown.problem?.contains("no certificate is served for nobody.test") == true, "\(unknown)")
                }
            }
        }
    }
}
