import Drivers

extension ControllerDaemon.Configuration {
    /// How sites are addressed and which of Caddy's ports the checks dial: plain HTTP when only
    /// `caddyHTTPPort` is set (as before HTTPS ports were settings); otherwise automatic HTTPS on
    /// `caddyHTTPSPort` (443), with Caddy's HTTP listener on `caddyHTTPPort` (80).
    public var listeners: (mode: CaddySiteRenderer.AddressMode, httpPort: Int, httpsPort: Int) {
        if let plain = caddyHTTPPort, caddyHTTPSPort == nil { return (.plainHTTP(port: plain), plain, 443) }
        return (.automaticHTTPS, caddyHTTPPort ?? 80, caddyHTTPSPort ?? 443)
    }

    /// The router the daemon (and `codeb doctor`) drives Caddy with.
    public func routerConfiguration(probeToken: String = ProbeToken.random()) -> CaddyRouter.Configuration {
        let listeners = listeners
        return CaddyRouter.Configuration(
            mainCaddyfile: caddyConfig, sitesDirectory: caddySites, admin: caddyAdmin,
            renderer: CaddySiteRenderer(addressMode: listeners.mode, probeToken: probeToken), switching: switching,
            httpsPort: listeners.httpsPort, httpPort: listeners.httpPort, trustedCAFile: tlsCAFile,
            certificateTimeout: certificateTimeout
        )
    }
}
