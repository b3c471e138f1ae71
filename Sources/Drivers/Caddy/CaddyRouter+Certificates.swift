import Spec
import State

extension CaddyRouter {
    /// A verified certificate is read again after this long (renewals are days ahead of expiry).
    static let verifiedCertificateTTL: Duration = .seconds(60)
    /// One that is missing or does not verify, after this long: issuance takes seconds.
    static let pendingCertificateTTL: Duration = .seconds(2)

    /// What Caddy's HTTPS listener serves for each domain, by handshake, from a short cache so a
    /// pass per environment costs no handshake most of the time. Plain HTTP serves none.
    public func certificates(for domains: [Hostname]) async -> [ServedCertificate] {
        guard case .automaticHTTPS = configuration.renderer.addressMode else { return [] }
        let inspector = CertificateInspector(port: configuration.httpsPort, trustedCAFile: configuration.trustedCAFile)
        var result: [ServedCertificate] = []
        for domain in domains {
            let now = ContinuousClock.now
            if let cached = certificateCache[domain],
               now - cached.at < (cached.certificate.verified ? Self.verifiedCertificateTTL : Self.pendingCertificateTTL) {
                result.append(cached.certificate)
                continue
            }
            let certificate = await inspector.inspect(domain)
            certificateCache[domain] = (certificate, .now)
            result.append(certificate)
        }
        return result
    }
}
