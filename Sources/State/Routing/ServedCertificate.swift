import Foundation
import Spec

/// What the proxy's HTTPS listener serves for one domain, read by a TLS handshake with the
/// domain as SNI: whom it is from, when it ends, and whether it verifies as a browser would
/// check it (the system's roots and the controller's `--tls-ca-file`). Not when it was read:
/// a status that holds it changes only when the certificate does.
public struct ServedCertificate: Sendable, Hashable, Codable {
    public var domain: Hostname
    /// The issuer's common name (else organization), e.g. `R11` or `Pebble Intermediate CA 1a2b3c`.
    public var issuer: String?
    public var notAfter: Date?
    public var verified: Bool
    /// Why it does not verify, or why nothing is served (the TLS error), when `verified` is false.
    public var problem: String?

    public init(domain: Hostname, issuer: String? = nil, notAfter: Date? = nil, verified: Bool, problem: String? = nil) {
        self.domain = domain
        self.issuer = issuer
        self.notAfter = notAfter
        self.verified = verified
        self.problem = problem
    }

    /// Fewer days left than this is a warning (doctor, console): Caddy renews 30 days ahead, so
    /// a certificate this close to its end is one whose renewal fails.
    public static let warningDays = 14

    /// Whole days from `now` to `notAfter` (negative once expired).
    public func daysLeft(at now: Date) -> Int? {
        notAfter.map { Int(($0.timeIntervalSince(now) / 86400).rounded(.down)) }
    }
}
