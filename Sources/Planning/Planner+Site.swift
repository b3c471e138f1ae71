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
        let upstreams = [active, grace].compactMap { $0 }.map(upstream)
        let domains = Planner.domains(of: state, previewDomain: input.previewDomain)
        var routes: [SiteRoute] = []
        if !domains.isEmpty {
            routes.append(SiteRoute(domains: domains, upstreams: upstreams))
        }
        if let preview = input.previewDomain {
            for slot in SlotName.allCases {
                guard let record = slots[slot], record.state == .active || record.state == .deployed,
                      let domain = Planner.previewHostname(slot, key, previewDomain: preview)
                else { continue }
                routes.append(SiteRoute(domains: [domain], upstreams: [upstream(record)]))
            }
        }
        let spec = state.desired?.spec
        var site = SiteConfig(key: key, revision: active?.revision ?? 0, hash: active?.hash ?? "none", routes: routes, tls: spec?.tls, hsts: spec?.hsts)
        site.maintenance = state.maintenance.map { SiteMaintenance(message: $0.message, retryAfter: $0.retryAfter) }
        return site
    }

    /// Where a slot is reached: the address its container publishes the slot's port on, so a
    /// container started before `--publish-address` changed is still found; otherwise this
    /// controller's publish address.
    func upstream(_ record: SlotRecord) -> Upstream {
        let published = containers[record.slot]?.ports.first { $0.hostPort == record.port }?.hostIP
        guard let published, published.hasPrefix("127.") else { return Upstream(host: input.publishAddress, port: record.port) }
        return Upstream(host: published, port: record.port)
    }
}

extension Planner {
    /// The domains an environment's site serves: its spec's, or for a preview instance that
    /// names none, `{environment}.{project}.{previewDomain}`.
    public static func domains(of state: EnvironmentState, previewDomain: Hostname?) -> [Hostname] {
        let domains = state.desired?.spec.domains ?? []
        guard domains.isEmpty, state.key.environment.isPreviewInstance, let previewDomain,
              let domain = try? Hostname(parsing: "\(state.key.environment).\(state.key.project).\(previewDomain)")
        else { return domains }
        return [domain]
    }

    /// A deployed or active slot's own hostname: `{slot}-{environment}-{project}.{previewDomain}`.
    public static func previewHostname(_ slot: SlotName, _ key: EnvironmentKey, previewDomain: Hostname) -> Hostname? {
        try? Hostname(parsing: "\(slot)-\(key.environment)-\(key.project).\(previewDomain)")
    }

    /// Every hostname an environment's site serves (what Caddy may need a certificate for).
    public static func hostnames(of state: EnvironmentState, previewDomain: Hostname?) -> [Hostname] {
        var names = domains(of: state, previewDomain: previewDomain)
        if let previewDomain {
            for record in state.slots where record.state == .active || record.state == .deployed {
                if let name = previewHostname(record.slot, state.key, previewDomain: previewDomain) { names.append(name) }
            }
        }
        return names
    }
}
