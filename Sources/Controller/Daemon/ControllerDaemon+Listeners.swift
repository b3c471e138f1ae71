import Drivers
import Spec

extension ControllerDaemon.Configuration {
    /// How sites are addressed and which of Caddy's ports the checks dial: plain HTTP when only
    /// `caddyHTTPPort` is set (as before HTTPS ports were settings); otherwise automatic HTTPS on
    /// `caddyHTTPSPort` (443), with Caddy's HTTP listener on `caddyHTTPPort` (80).
    public var listeners: (mode: CaddySiteRenderer.AddressMode, httpPort: Int, httpsPort: Int) {
        if let plain = caddyHTTPPort, caddyHTTPSPort == nil { return (.plainHTTP(port: plain), plain, 443) }
        return (.automaticHTTPS, caddyHTTPPort ?? 80, caddyHTTPSPort ?? 443)
    }

    /// Whether preview hostnames get their certificates on demand: a preview domain, automatic
    /// HTTPS, and a main Caddyfile with `on_demand_tls` (Caddy refuses on-demand sites without
    /// it; `codeb doctor` prints the snippet). Otherwise they are issued at load, like domains.
    public var previewsOnDemand: Bool {
        guard previewDomain != nil, case .automaticHTTPS = listeners.mode else { return false }
        return CaddyRouter.mainCaddyfileHasOnDemandTLS(caddyConfig)
    }

    /// The router the daemon (and `codeb doctor`) drives Caddy with.
    public func routerConfiguration(probeToken: String = ProbeToken.random()) -> CaddyRouter.Configuration {
        let listeners = listeners
        let renderer = CaddySiteRenderer(addressMode: listeners.mode, probeToken: probeToken, onDemandUnder: previewsOnDemand ? previewDomain : nil)
        return CaddyRouter.Configuration(
            mainCaddyfile: caddyConfig, sitesDirectory: caddySites, admin: caddyAdmin,
            renderer: renderer, switching: switching,
            httpsPort: listeners.httpsPort, httpPort: listeners.httpPort, trustedCAFile: tlsCAFile,
            certificateTimeout: certificateTimeout, accessLogDirectory: accessLogDirectory
        )
    }
}
