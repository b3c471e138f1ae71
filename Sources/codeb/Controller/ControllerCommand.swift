import ArgumentParser
import Controller
import Drivers
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Spec
import State

/// `codeb controller`: the daemon — the reconcile loop and the HTTP API, until SIGTERM.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the codeb controller: the reconcile loop and the HTTP API.",
        discussion: """
            Every option can also be set in the config file (--config, default /etc/codeb/controller.yaml, \
            same names: `listen: 127.0.0.1:9101`) or as CODEB_<NAME> in the environment \
            (CODEB_STATE_DIR, CODEB_CADDY_HTTP_PORT, …). Flags win over the environment, which wins over the file.
            """
    )

    @Option(help: "The config file (YAML); missing is fine unless given explicitly.")
    var config: String?

    @Option(help: "host:port for the API. [default: 127.0.0.1:9101]")
    var listen: String?

    @Option(name: .customLong("state-dir"), help: "The file store's directory. [default: /var/lib/codeb]")
    var stateDir: String?

    @Option(name: .customLong("database-url"), help: "Keep state in PostgreSQL (postgres://USER:PASSWORD@HOST:PORT/DATABASE), shared by the controllers of several hosts, instead of --state-dir.")
    var databaseURL: String?

    @Option(name: .customLong("docker-socket"), help: "dockerd's socket. [default: /var/run/docker.sock]")
    var dockerSocket: String?

    @Option(name: .customLong("caddy-config"), help: "The main Caddyfile Caddy runs with; it must import the sites dir. [default: /etc/caddy/Caddyfile]")
    var caddyConfig: String?

    @Option(name: .customLong("caddy-admin"), help: "Caddy's admin API: host:port or a unix socket path. [default: 127.0.0.1:2019]")
    var caddyAdmin: String?

    @Option(name: .customLong("caddy-sites"), help: "Where codeb writes site files. [default: /etc/caddy/sites]")
    var caddySites: String?

    @Option(name: .customLong("caddy-http-port"), help: "Serve sites as plain HTTP on this port instead of automatic HTTPS.")
    var caddyHTTPPort: Int?

    @Option(help: "Time between full resyncs: a duration such as 30s or 2m (a bare number is seconds). [default: 30s]")
    var resync: String?

    @Option(help: "Host port ranges per environment kind, e.g. production=4100-4999,staging=5000-5499 (kinds not named keep theirs). [default: production=4100-4499,staging=4500-4999,preview=5000-5499]")
    var ports: String?

    @Option(help: "Time between full lists of the containers (e.g. 5m; a bare number is seconds); Docker's events keep the controller's view current in between. [default: 5m]")
    var relist: String?

    @Option(help: "Reconcile workers. [default: 4]")
    var workers: Int?

    @Option(name: .customLong("preview-domain"), help: "Serve every slot at {slot}-{environment}-{project}.<domain> too.")
    var previewDomain: String?

    @Option(help: "This host's name among the controllers sharing --database-url; a spec's `nodes` names these. [default: the host name]")
    var node: String?

    @Option(name: .customLong("publish-address"), help: "The loopback address containers publish their ports on; controllers sharing one host take one each, so their port ranges may overlap. [default: 127.0.0.1]")
    var publishAddress: String?

    @Option(name: .customLong("lease-ttl"), help: "How long a controller holds an environment without renewing (e.g. 10s; a bare number is seconds); bounds a takeover after a crash. [default: 10s]")
    var leaseTTL: String?

    @Option(name: .customLong("switch"), help: "How a blue/green switch reaches Caddy: file (route files read per request; no reload — Caddy ≥ 2.8), reload (rewrite the site and reload Caddy), or auto (file when this Caddy supports it, else reload with a warning). [default: auto]")
    var switching: String?

    @Option(name: .customLong("orphan-delay"), help: "How long a managed container or site file whose environment the store does not know is kept before the sweep removes it (e.g. 10m; a bare number is seconds; a store being restored keeps its containers). [default: 10m]")
    var orphanDelay: String?

    @Option(name: .customLong("secret-key-file"), help: "The key secrets and registry logins are sealed with (AES-256-GCM); created mode 0600 when missing. [default: /etc/codeb/secret.key]")
    var secretKeyFile: String?

    @Option(name: .customLong("quota-environments"), help: "Environments each team may hold per kind (production, staging, preview). [default: no limit]")
    var quotaEnvironments: Int?

    @Option(name: .customLong("quota-memory"), help: "Memory (sum of resources.memory) each team may use, e.g. 8g. [default: no limit]")
    var quotaMemory: String?

    @Option(name: .customLong("quota-cpus"), help: "CPUs (sum of resources.cpus) each team may use, e.g. 4. [default: no limit]")
    var quotaCPUs: String?

    @Flag(name: .customLong("mcp-destructive-tools"), help: "Offer AI assistants (MCP at /mcp and `codeb mcp`) the delete and key management tools too; still limited by each key's role.")
    var mcpDestructiveTools = false

    func run() async throws {
        let settings = try ControllerSettings.resolve(flags: self)
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        MetricFamily.exposeKnownSeries()
        var logger = Logger(label: "codeb.controller")
        logger.logLevel = .info

        let daemon = try ControllerDaemon(settings.daemon, metrics: { MetricFamily.annotated(registry.emitToString()) }, logger: logger)
        await daemon.checkDependencies()
        logger.info("codeb controller \(CodebVersion.current) listening", metadata: ["listen": "\(settings.listenHost):\(settings.listenPort)", "state": "\(daemon.backend.location)", "node": "\(settings.node)"])
        try await daemon.serviceGroup().run()
        logger.info("codeb controller stopped")
    }
}
