import Drivers
import Spec
import State

/// Every controller setting, in the order help and docs list them. Adding a setting is one
/// entry here (and the field it writes in `ControllerDaemon.Configuration`); its flag, file key,
/// variable, default in help and row in docs/controller.md follow.
extension ControllerSetting {
    public static let catalogue: [ControllerSetting] = [
        ControllerSetting("listen", placeholder: "HOST:PORT", example: "127.0.0.1:9199", help: "Where the API listens.",
                          show: { "\($0.listenHost):\($0.listenPort)" },
                          write: { text, configuration throws(Problem) in
                              guard case .tcp(let host, let port)? = try? HTTPEndpoint(parsing: text) else {
                                  throw Problem("`\(text)` is not host:port, e.g. 127.0.0.1:9101")
                              }
                              configuration.listenHost = host
                              configuration.listenPort = port
                          }),
        .text("state-dir", \.stateDirectory, placeholder: "DIR", example: "/srv/codeb",
              help: "The file store's directory (and this node's own files with --database-url)."),
        .optionalText("database-url", \.databaseURL, placeholder: "URL", example: "postgres://codeb:secret@127.0.0.1:5432/codeb", secret: true,
                      help: "Keep state in PostgreSQL (postgres://USER:PASSWORD@HOST:PORT/DATABASE), shared by the controllers of several hosts, instead of --state-dir."),
        // Shown as "the host name", not this machine's: help and docs read the same everywhere.
        ControllerSetting("node", placeholder: "NAME", example: "web-2", shownDefault: "the host name",
                          help: "This host's name among the controllers sharing --database-url; a spec's `nodes` names these.",
                          show: { $0.node.value }, write: { text, configuration throws(Problem) in configuration.node = try spec(NodeName.init(parsing:), text) }),
        .duration("lease-ttl", \.leaseTTL, .seconds(2)...(.seconds(600)), example: "20s",
                  help: "How long a controller holds an environment without renewing; bounds a takeover after a crash."),
        ControllerSetting("publish-address", placeholder: "ADDRESS", example: "127.0.0.2",
                          help: "The loopback address containers publish their ports on; controllers sharing one host take one each, so their port ranges may overlap.",
                          show: { $0.publishAddress }, write: { text, configuration throws(Problem) in configuration.publishAddress = try loopbackAddress(text) }),
        .text("docker-socket", \.dockerSocket, placeholder: "PATH", example: "/run/docker.sock", help: "dockerd's socket."),
        .text("caddy-config", \.caddyConfig, placeholder: "PATH", example: "/srv/caddy/Caddyfile",
              help: "The main Caddyfile Caddy runs with; it must import the sites dir."),
        .parsed("caddy-admin", \.caddyAdmin, placeholder: "ADDRESS", example: "unix//run/caddy-admin.sock",
                help: "Caddy's admin API: host:port or a unix socket path.") { text throws(Problem) in
            do { return try HTTPEndpoint(parsing: text) } catch { throw Problem("\(error)") }
        },
        .text("caddy-sites", \.caddySites, placeholder: "DIR", example: "/srv/caddy/sites", help: "Where codeb writes site files."),
        .optionalNumber("caddy-http-port", \.caddyHTTPPort, 1...65535, placeholder: "PORT", example: "8080", unset: "80, automatic HTTPS",
                        help: "Alone: serve sites as plain HTTP on this port instead of automatic HTTPS. With --caddy-https-port: Caddy's HTTP port (its http_port) beside HTTPS."),
        .optionalNumber("caddy-https-port", \.caddyHTTPSPort, 1...65535, placeholder: "PORT", example: "8443", unset: "443",
                        help: "Caddy's HTTPS port (its https_port), where live sites are checked over TLS."),
        .optionalText("tls-ca-file", \.tlsCAFile, placeholder: "PATH", example: "/etc/codeb/private-ca.pem", unset: "the system's roots only",
                      help: "A CA (PEM) trusted beside the system's roots when checking the certificate Caddy serves for a domain: for private CAs and tests."),
        .duration("certificate-timeout", \.certificateTimeout, .seconds(1)...(.seconds(3600)), example: "5m",
                  help: "How long a promotion waits for a new domain's first certificate; past it the route goes live and the environment says CertificatePending until one verifies."),
        ControllerSetting("switch", placeholder: "MODE", example: "reload",
                          help: "How a blue/green switch reaches Caddy: file (route files read per request; no reload — Caddy ≥ 2.8), reload (rewrite the site and reload Caddy), or auto (file when this Caddy supports it, else reload with a warning).",
                          show: { $0.switching.rawValue }, write: { text, configuration throws(Problem) in
                              guard let mode = SwitchSetting(rawValue: text.lowercased()) else { throw Problem("`\(text)` is not auto, file or reload") }
                              configuration.switching = mode
                          }),
        .optionalText("access-log-dir", \.accessLogDirectory, placeholder: "DIR", example: "/srv/caddy/access-logs", unset: "no access logs: traffic is not watched",
                      help: "Where each site's access log goes, for traffic per slot and bakes (Caddy ≥ 2.8 with route files). Caddy must be able to write there; if it cannot, traffic is not watched and /readyz says why. Empty: none."),
        .optionalText("backup-dir", \.backupDirectory, placeholder: "DIR", example: "/srv/backups/codeb", unset: "backups in the state directory's backups/",
                      help: "Where backups of backing services are written (encrypted with the secret key; per team, project, environment and service). Best on another disk than Docker's volumes."),
        .duration("resync", \.resync, .seconds(1)...(.seconds(86400)), example: "1m", help: "Time between full resyncs of every environment."),
        .duration("relist", \.relist, .seconds(1)...(.seconds(86400)), example: "60",
                  help: "Time between full lists of the containers; Docker's events keep the controller's view current in between."),
        .number("workers", \.workers, 1...64, example: "8", help: "Reconcile workers."),
        .parsed("preview-domain", \.previewDomain, placeholder: "DOMAIN", example: "preview.example.com",
                help: "Serve every slot at {slot}-{environment}-{project}.DOMAIN too.") { text throws(Problem) in
            try spec(Hostname.init(parsing:), text)
        },
        .duration("orphan-delay", \.orphanDelay, .seconds(1)...(.seconds(604_800)), example: "30m",
                  help: "How long a managed container or site file whose environment the store does not know is kept before the sweep removes it (a store being restored keeps its containers)."),
        .parsed("ports", \.ports, placeholder: "RANGES", example: "staging=6000-6999",
                help: "Host port ranges per environment kind, e.g. production=4100-4999,staging=5000-5499 (kinds not named keep theirs).") { text throws(Problem) in
            try spec(PortRanges.init(parsing:), text)
        },
        .optionalNumber("quota-environments", \.quota.environmentsPerRange, 1...500, example: "5", unset: "no limit",
                        help: "Environments each team may hold per kind (production, staging, preview)."),
        .parsed("quota-memory", \.quota.memory, placeholder: "SIZE", example: "8g", unset: "no limit",
                help: "Memory each team may use: resources.memory twice per environment (both slots) plus each backing service's.") { text throws(Problem) in
            try spec(ByteSize.init(parsing:), text)
        },
        .parsed("quota-cpus", \.quota.cpus, placeholder: "N", example: "2.5", unset: "no limit",
                help: "CPUs each team may use: resources.cpus per environment plus each backing service's.") { text throws(Problem) in
            try spec(CPUCount.init(parsing:), text)
        },
        ControllerSetting("secret-key-file", placeholder: "PATH", example: "/srv/codeb/secret.key",
                          help: "The key secrets and registry logins are sealed with (AES-256-GCM); created mode 0600 when missing.",
                          show: { $0.secretKeyFile }, write: { text, configuration in if !text.isEmpty { configuration.secretKeyFile = text } }),
        .toggle("mcp-destructive-tools", \.mcpDestructiveTools,
                help: "Offer AI assistants (MCP at /mcp and `codeb mcp`) the delete and key management tools too; still limited by each key's role."),
    ]

    /// The setting named `name` (as in the file: `caddy-http-port`).
    public static func named(_ name: String) -> ControllerSetting? {
        catalogue.first { $0.name == name }
    }

    /// An IPv4 address on loopback (127.0.0.0/8), written plainly: containers are reached
    /// through Caddy only, so they never publish on an address other hosts can reach.
    static func loopbackAddress(_ text: String) throws(Problem) -> String {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let octets = parts.compactMap { part in part.count <= 3 && part.allSatisfy(\.isASCII) ? UInt8(part) : nil }
        guard parts.count == 4, octets.count == 4, octets[0] == 127, octets.map(String.init).joined(separator: ".") == text else {
            throw Problem("`\(text)` is not a loopback IPv4 address such as 127.0.0.2; containers publish on loopback only, so Caddy is the only way in")
        }
        return text
    }
}
