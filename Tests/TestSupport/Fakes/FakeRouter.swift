import Foundation
import Spec
import State
import Synchronization

/// An in-memory proxy: site configs by environment, each batch one "reload". `confirm` checks
/// that what it is asked to confirm is what the proxy holds, as traffic through Caddy would.
public final class FakeRouter: TrafficRouter {
    struct World {
        var sites: [EnvironmentKey: SiteConfig] = [:]
        var reloads = 0
        var confirmations = 0
        var failNext = false
        var certificates: [Hostname: ServedCertificate] = [:]
    }

    private let world = Mutex(World())

    public init() {}

    public var sites: [EnvironmentKey: SiteConfig] { world.withLock { $0.sites } }
    public var reloads: Int { world.withLock { $0.reloads } }
    public var confirmations: Int { world.withLock { $0.confirmations } }

    public func check() async throws {}

    /// What the fake's HTTPS listener serves for a domain (none: nothing is reported).
    public func serve(_ certificate: ServedCertificate) { world.withLock { $0.certificates[certificate.domain] = certificate } }

    public func certificates(for domains: [Hostname], internalCA: Bool) async -> [ServedCertificate] {
        world.withLock { world in domains.compactMap { world.certificates[$0] } }
    }

    /// The next batch of site changes, or confirmation, throws and changes nothing, as a Caddy
    /// that refuses a reload or does not answer would.
    public func failNextWrite() { world.withLock { $0.failNext = true } }

    private static func injected(_ world: inout World) throws {
        if world.failNext {
            world.failNext = false
            throw RouterError(.rejected, "injected failure")
        }
    }

    public func listSites() async throws -> [ManagedSite] {
        world.withLock { world in
            world.sites.values.sorted { $0.key < $1.key }.map {
                ManagedSite(key: $0.key, revision: $0.revision, hash: $0.hash, path: "/sites/\($0.key.stem).caddy", content: render($0), config: $0, intact: true)
            }
        }
    }

    public func render(_ site: SiteConfig) -> String {
        "\(site.key) r\(site.revision) " + site.routes.map { $0.upstreams.map(\.description).joined(separator: ",") }.joined(separator: ";")
    }

    public func apply(_ changes: [SiteChange]) async throws -> SiteApplyReport {
        try world.withLock { world in
            guard changes.contains(where: { world.sites[$0.key] != $0.site }) else { return SiteApplyReport() }
            try Self.injected(&world)
            var report = SiteApplyReport()
            for change in changes {
                guard world.sites[change.key] != change.site else { continue }
                world.sites[change.key] = change.site
                if change.site == nil { report.removed.append(change.key) } else { report.written.append(change.key) }
            }
            if !report.written.isEmpty || !report.removed.isEmpty {
                world.reloads += 1
                report.reloaded = true
            }
            return report
        }
    }

    public func confirm(_ site: SiteConfig, path: String, waiting: @escaping @Sendable (String?) async -> Void) async throws -> ConfirmOutcome {
        try world.withLock { world in
            try Self.injected(&world)
            guard let expected = site.routes.first?.upstreams.first,
                  world.sites[site.key]?.routes.contains(where: { $0.upstreams.first == expected }) == true
            else {
                throw RouterError(.unconfirmed, "the proxy does not route \(site.key) to \(site.routes.first?.upstreams.first?.description ?? "-")")
            }
            world.confirmations += 1
        }
        return .confirmed
    }
}
