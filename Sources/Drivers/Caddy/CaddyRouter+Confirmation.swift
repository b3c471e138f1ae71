import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Spec
import State

extension CaddyRouter {
    /// Probes through Caddy's own listener — plain HTTP on the configured port, or HTTPS on its
    /// HTTPS port with the domain as SNI and the certificate verified (the system's roots and
    /// `trustedCAFile`) — on a fresh connection each time, until two answers in a row name
    /// the active upstream in `X-Codeb-Upstream` (the site file sets it for probes only).
    public nonisolated func confirm(_ site: SiteConfig, path: String, waiting: @escaping @Sendable (String?) async -> Void) async throws -> ConfirmOutcome {
        guard let route = site.routes.first(where: { !$0.domains.isEmpty && !$0.upstreams.isEmpty }),
              let domain = route.domains.first, let expected = route.upstreams.first
        else { return .confirmed }
        // A `tls: internal` site is verified against Caddy's own root, read from Caddy.
        let internalRoot = site.tls == .internal ? await localCARoot() : nil
        let target = ConfirmationTarget(
            configuration.renderer.addressMode, domain: domain.value, path: path, httpsPort: configuration.httpsPort,
            trustedCAFile: configuration.trustedCAFile, extraRootPEM: internalRoot
        )
        let client = target.client()
        defer { target.release(client) }
        let started = ContinuousClock.now
        let deadline = started + configuration.confirmationTimeout
        // A new domain's first certificate takes seconds to minutes: while the handshake is what
        // fails, the wait is the certificate's.
        let certificateDeadline = started + max(configuration.certificateTimeout, configuration.confirmationTimeout)
        var streak = 0
        var last = "no answer"
        var told = false
        while true {
            let answer = await target.probe(client, token: configuration.renderer.probeToken, timeout: min(.seconds(10), max(.milliseconds(100), deadline - .now)))
            if answer.upstream == expected.description {
                streak += 1
                if streak >= 2 {
                    if told { await waiting(nil) }
                    return .confirmed
                }
                continue
            }
            streak = 0
            last = answer.description
            if answer.tlsFailed, !told {
                told = true
                await waiting("waiting for a certificate for \(domain)")
            }
            let now = ContinuousClock.now
            if answer.tlsFailed, now >= deadline {
                guard now < certificateDeadline else {
                    logger.warning("no certificate that verifies within the certificate timeout; the route is live", metadata: ["domain": "\(domain)", "last": "\(last)"])
                    await waiting(nil)
                    return .certificatePending(domain: domain, detail: "no certificate that verifies was served for \(domain) on \(target.listener) within \(configuration.certificateTimeout.specDescription): \(last)")
                }
            } else if now >= deadline {
                if told { await waiting(nil) }
                throw RouterError(.unconfirmed, "traffic for \(domain) through Caddy (\(target.listener)) did not reach the new upstream \(expected) within \(configuration.confirmationTimeout): the last answer was \(last); check Caddy's log and that the site's port is the one Caddy listens on")
            }
            try await Task.sleep(for: answer.tlsFailed ? .milliseconds(250) : .milliseconds(50))
        }
    }
}

/// Where and how the confirmation probe reaches Caddy's listener.
struct ConfirmationTarget: Sendable {
    let url: String
    let host: String?
    let domain: String
    let https: Bool
    let httpsPort: Int
    let trustedCAFile: String?
    let extraRootPEM: String?

    init(_ mode: CaddySiteRenderer.AddressMode, domain: String, path: String, httpsPort: Int = 443, trustedCAFile: String? = nil, extraRootPEM: String? = nil) {
        self.domain = domain
        self.extraRootPEM = extraRootPEM
        self.httpsPort = httpsPort
        self.trustedCAFile = trustedCAFile
        switch mode {
        case .plainHTTP(let port):
            url = "http://127.0.0.1:\(port)\(path)"
            host = "\(domain):\(port)"
            https = false
        case .automaticHTTPS:
            // The domain's own name for SNI and Host, dialled on loopback.
            url = "https://\(domain):\(httpsPort)\(path)"
            host = nil
            https = true
        }
    }

    var listener: String { https ? "https://127.0.0.1:\(httpsPort)" : url.split(separator: "/").prefix(2).joined(separator: "//") }

    /// Plain HTTP shares the probe client; HTTPS needs one that dials loopback for the domain
    /// and verifies the certificate Caddy serves for it, as a browser would: live means served
    /// over TLS that verifies.
    func client() -> HTTPClient {
        guard https else { return DriverHTTP.probeClient }
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(2), read: nil)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.dnsOverride = [domain: "127.0.0.1"]
        // A root that does not parse adds no trust: verification stays on, with the system's roots.
        configuration.tlsConfiguration = (try? CertificateInspector.clientTLS(verify: true, trustedCAFile: trustedCAFile, extraRootPEM: extraRootPEM))
            ?? TLSConfiguration.makeClientConfiguration()
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func release(_ client: HTTPClient) {
        guard https else { return }
        Task { try? await client.shutdown() }
    }

    struct Answer: CustomStringConvertible {
        var status: Int?
        var upstream: String?
        var error: String?
        /// The TLS handshake is what failed (no certificate yet, or one that does not verify).
        var tlsFailed = false

        var description: String {
            if let error { return error }
            return "HTTP \(status ?? 0)" + (upstream.map { " from \($0)" } ?? " from no upstream (Caddy answered itself)")
        }
    }

    func probe(_ client: HTTPClient, token: String, timeout: Duration) async -> Answer {
        var request = HTTPClientRequest(url: url)
        if let host { request.headers.replaceOrAdd(name: "Host", value: host) }
        request.headers.replaceOrAdd(name: CaddySiteRenderer.probeHeader, value: token)
        request.headers.replaceOrAdd(name: "User-Agent", value: "codeb-confirmation-probe")
        // A new connection each time: the question is what a new client gets.
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return Answer(status: Int(response.status.code), upstream: response.headers.first(name: CaddySiteRenderer.upstreamHeader))
        } catch {
            return Answer(error: "\(error)", tlsFailed: https && Self.isTLSFailure(error))
        }
    }

    /// NIOSSL's errors (a handshake refused, a certificate that does not verify), by type or,
    /// wrapped by the HTTP client, by what they print.
    static func isTLSFailure(_ error: any Error) -> Bool {
        if error is NIOSSLError || error is BoringSSLError { return true }
        let text = "\(error)"
        // "SSL" covers NIOSSL's and BoringSSL's names.
        return ["SSL", "handshake", "CERTIFICATE_VERIFY_FAILED"].contains { text.contains($0) }
    }
}
