import Foundation
import Spec
import State

extension CaddyRouter {
    /// A verified certificate is read again after this long (renewals are days ahead of expiry).
    static let verifiedCertificateTTL: Duration = .seconds(60)
    /// One that is missing or does not verify, after this long: issuance takes seconds.
    static let pendingCertificateTTL: Duration = .seconds(2)

    /// What Caddy's HTTPS listener serves for each domain, by handshake, from a short cache so a
    /// pass per environment costs no handshake most of the time. Plain HTTP serves none.
    public func certificates(for domains: [Hostname], internalCA: Bool) async -> [ServedCertificate] {
        guard case .automaticHTTPS = configuration.renderer.addressMode else { return [] }
        let inspector = CertificateInspector(
            port: configuration.httpsPort, trustedCAFile: configuration.trustedCAFile, extraRootPEM: internalCA ? await localCARoot() : nil
        )
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

extension CaddyRouter {
    /// The root of Caddy's own CA (`tls internal`), from its admin API (`GET /pki/ca/local`),
    /// kept once read; nil while Caddy cannot say (no internal site yet, or not reachable).
    public func localCARoot() async -> String? {
        if let localRoot { return localRoot }
        var request = DriverHTTP.request(configuration.admin, .GET, "/pki/ca/local")
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        guard let response = try? await DriverHTTP.client.execute(request, timeout: .seconds(5)), response.status.code == 200,
              let body = try? await DriverHTTP.body(response),
              let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let root = object["root_certificate"] as? String, root.contains("BEGIN CERTIFICATE")
        else { return nil }
        localRoot = root
        return root
    }
}
