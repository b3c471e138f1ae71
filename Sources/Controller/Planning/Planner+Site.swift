import Spec
import State

extension Pass {
    /// The site file: the environment's domains to the active slot then the grace slot, and a
    /// preview domain per deployed or active slot when the controller has a preview domain.
    mutating func planSite() {
        let desired = desiredSite()
        if desired.routes.isEmpty {
            if input.site != nil { siteAction = .removeSite }
            return
        }
        if let observed = input.site, observed.intact, observed.config == desired { return }
        siteAction = .writeSite(desired)
    }

    func desiredSite() -> SiteConfig {
        let active = slot(in: .active).flatMap { slots[$0] }
        let grace = slot(in: .grace).flatMap { slots[$0] }
        let upstreams = [active, grace].compactMap { $0 }.map { Upstream(port: $0.port) }
        var domains = state.desired?.spec.domains ?? []
        if domains.isEmpty, key.environment.isPreviewInstance, let preview = input.previewDomain,
           let domain = try? Hostname(parsing: "\(key.environment).\(key.project).\(preview)") {
            domains = [domain]
        }
        var routes: [SiteRoute] = []
        if !domains.isEmpty {
            routes.append(SiteRoute(domains: domains, upstreams: upstreams))
        }
        if let preview = input.previewDomain {
            for slot in SlotName.allCases {
                guard let record = slots[slot], record.state == .active || record.state == .deployed,
                      let domain = try? Hostname(parsing: "\(slot)-\(key.environment)-\(key.project).\(preview)")
                else { continue }
                routes.append(SiteRoute(domains: [domain], upstreams: [Upstream(port: record.port)]))
            }
        }
        return SiteConfig(key: key, revision: active?.revision ?? 0, hash: active?.hash ?? "none", routes: routes)
    }
}
