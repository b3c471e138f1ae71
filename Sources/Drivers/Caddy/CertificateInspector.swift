import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Spec
import State
import Support

/// Reads what a TLS listener on loopback serves for a domain: a handshake with the domain as SNI
/// that verifies as a browser would (the system's roots and `trustedCAFile`); when that fails, a
/// second one that verifies nothing, to say what is served instead — or that nothing is.
public struct CertificateInspector: Sendable {
    public var port: Int
    public var trustedCAFile: String?
    /// A root trusted for this check only (Caddy's own CA for `tls: internal` sites), PEM.
    public var extraRootPEM: String?
    public var timeout: Duration

    public init(port: Int, trustedCAFile: String? = nil, extraRootPEM: String? = nil, timeout: Duration = .seconds(3)) {
        self.port = port
        self.trustedCAFile = trustedCAFile
        self.extraRootPEM = extraRootPEM
        self.timeout = timeout
    }

    public func inspect(_ domain: Hostname) async -> ServedCertificate {
        do {
            let certificate = try await handshake(domain, verify: true)
            return Self.served(domain, certificate, verified: true, problem: nil)
        } catch {
            let problem = Self.describe(error)
            guard let certificate = try? await handshake(domain, verify: false) else {
                return ServedCertificate(domain: domain, verified: false, problem: "no certificate is served for \(domain) on 127.0.0.1:\(port): \(problem)")
            }
            return Self.served(domain, certificate, verified: false, problem: problem)
        }
    }

    /// A client's TLS settings that verify as a browser would — the system's roots, `file` and
    /// `pem` beside them — or, with `verify` false, verify nothing (to read what is served).
    /// The confirmation probe and the inspector check alike.
    static func clientTLS(verify: Bool, trustedCAFile file: String?, extraRootPEM pem: String?) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        guard verify else {
            tls.certificateVerification = .none
            return tls
        }
        tls.certificateVerification = .fullVerification
        if let file { tls.additionalTrustRoots.append(.file(file)) }
        if let pem { tls.additionalTrustRoots.append(.certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))) }
        return tls
    }

    static func served(_ domain: Hostname, _ certificate: NIOSSLCertificate?, verified: Bool, problem: String?) -> ServedCertificate {
        let issuerNames = certificate?.issuerName ?? []
        let issuer = issuerNames.first { $0.type == .commonName }?.value ?? issuerNames.first { $0.type == .organization }?.value
        let notAfter = certificate.map { Date(timeIntervalSince1970: TimeInterval($0.notValidAfter)) }
        return ServedCertificate(domain: domain, issuer: issuer, notAfter: notAfter, verified: verified, problem: problem)
    }

    /// The TLS failure in a sentence (NIOSSL's errors print as enum cases with BoringSSL codes).
    static func describe(_ error: any Error) -> String {
        if let timedOut = error as? HandshakeTimedOut { return "\(timedOut)" }
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "the certificate does not verify against the system's roots" + (text.contains("hostname") ? " (it names another host)" : "") + ": \(text)"
        }
        if text.contains("unableToValidateCertificate") || text.contains("hostname") {
            return "the certificate does not name the domain: \(text)"
        }
        return "the TLS handshake failed: \(text)"
    }

    private func handshake(_ domain: Hostname, verify: Bool) async throws -> NIOSSLCertificate? {
        let context = try NIOSSLContext(configuration: Self.clientTLS(verify: verify, trustedCAFile: trustedCAFile, extraRootPEM: extraRootPEM))
        let done = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(timeout.inMilliseconds)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: domain.value))
                    try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(done: done))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        } catch {
            done.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        let (timeout, port) = (timeout, port)
        try await withDeadline(timeout, timeout: { HandshakeTimedOut(domain: domain, port: port, timeout: timeout) }) { try await done.futureResult.get() }
        return try await channel.nioSSL_peerCertificate().get()
    }
}

/// No handshake within the inspector's timeout.
struct HandshakeTimedOut: Error, CustomStringConvertible {
    let domain: Hostname
    let port: Int
    let timeout: Duration
    var description: String { "no TLS handshake for \(domain) on 127.0.0.1:\(port) within \(timeout)" }
}

/// Completes `done` when the TLS handshake completes, fails it when the channel errs or closes first.
private final class HandshakeWaiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { done.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}
