import Foundation
@testable import Planning
import Spec
import State
import Testing
import TestSupport

/// A live environment whose hostname has no certificate that verifies is Degraded with
/// `CertificatePending` (saying what the handshake met) and nothing else is planned; the
/// certificates read are kept in the status, which changes only when they do.
struct PlannerCertificateTests {
    static let shop = try! Hostname(parsing: "shop.test")
    static let issued = ServedCertificate(domain: shop, issuer: "Pebble Intermediate CA 1a2b3c", notAfter: Fixture.t0.addingTimeInterval(90 * 86400), verified: true)
    static let pending = ServedCertificate(domain: shop, verified: false, problem: "no certificate is served for shop.test on 127.0.0.1:443: the TLS handshake failed")

    static func status(_ input: PlanInput) -> EnvironmentStatus? {
        for case .recordStatus(let status) in Planner.plan(input).actions { return status }
        return nil
    }

    @Test func aPendingCertificateIsDegradedSayingWhyAndPlansNothingElse() throws {
        var input = PlannerProxyTests.converged()
        input.certificates = [Self.pending]
        let actions = Planner.plan(input).actions
        #expect(actions.count == 1, "\(actions)")
        let status = try #require(Self.status(input))
        let degraded = try #require(status.condition(.degraded))
        #expect(degraded.status && degraded.reason == .certificatePending)
        #expect(degraded.message.contains("shop.test") && degraded.message.contains("TLS handshake failed"), "\(degraded.message)")
        #expect(status.condition(.ready)?.reason == .live, "live over the route")
        #expect(status.certificates == [Self.pending])
        // Issuance is news nothing else brings: the environment is looked at again soon.
        #expect(Planner.plan(input).requeueAfter == Planner.certificateRecheck)
    }

    @Test func anIssuedCertificateClearsTheConditionAndIsRecordedOnce() throws {
        var input = PlannerProxyTests.converged()
        input.certificates = [Self.pending]
        input.state.status = try #require(Self.status(input))
        input.certificates = [Self.issued]
        let status = try #require(Self.status(input))
        #expect(status.condition(.degraded)?.reason == .asExpected)
        #expect(status.certificates == [Self.issued])
        input.state.status = status
        #expect(Planner.plan(input).actions.isEmpty, "a certificate read again unchanged writes nothing")
        #expect(Planner.plan(input).requeueAfter == nil, "a verified certificate needs no early look")
    }

    @Test func nothingLiveHasNoCertificateCondition() throws {
        var state = Fixture.state(versions: [1])
        state.blue = Fixture.record(.blue, .deployed, revision: 1, version: 1)
        let input = PlanInput(state: state, containers: [Fixture.container(.blue, version: 1)], now: Fixture.t0, certificates: [Self.pending])
        let status = try #require(Self.status(input))
        #expect(status.condition(.degraded)?.reason != .certificatePending)
    }
}
