import APIModel
import Drivers
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Spec
import State

/// The controller daemon assembled as a library, like Hummingbird's `buildApplication`:
/// settings in, a `ServiceGroup` out — the store (and its migration), the reconcile loop with
/// its orphan sweep, the HTTP API with readiness and metrics, and the systemd notifier.
/// `codeb controller` runs it; tests and benchmarks can start it the same way.
public struct ControllerDaemon: Sendable {
    /// What the daemon needs to know; `codeb controller` fills it from flags, environment and
    /// the config file.
    public struct Configuration: Sendable {
        public var listenHost = "127.0.0.1"
        public var listenPort = 9101
        public var stateDirectory = FileStore.defaultDirectory
        public var databaseURL: String?
        public var dockerSocket = DockerRuntime.defaultSocketPath
        public var caddyConfig = "/etc/caddy/Caddyfile"
        public var caddyAdmin: HTTPEndpoint = .tcp(host: "127.0.0.1", port: 2019)
        public var caddySites = "/etc/caddy/sites"
        /// Plain HTTP on this port instead of automatic HTTPS — or, with `caddyHTTPSPort`, Caddy's
        /// HTTP port beside it (`listeners` says which).
        public var caddyHTTPPort: Int?
        /// Caddy's HTTPS port (its `https_port`); nil: 443 unless plain HTTP.
        public var caddyHTTPSPort: Int?
        /// A CA trusted beside the system's roots when checking what Caddy serves (private or test CAs).
        public var tlsCAFile: String?
        /// How long a promotion waits for a new domain's first certificate before it goes ahead
        /// with the environment `CertificatePending`.
        public var certificateTimeout: Duration = .seconds(120)
        public var resync: Duration = .seconds(30)
        /// How often the shared container cache lists every container again (events keep it
        /// current in between); `--relist`.
        public var relist: Duration = .seconds(300)
        /// false: every pass lists the containers itself (no shared cache) — for measuring the
        /// cache side by side; the controller always runs with it.
        public var sharedObservation = true
        /// Where each kind's port pairs are allocated (`--ports`).
        public var ports = PortRanges.default
        public var workers = 4
        public var previewDomain: Hostname?
        public var node: NodeName = .local
        /// The loopback address containers publish on (`--publish-address`): controllers that
        /// share one host (a bench, a staging node beside production) each take their own, so
        /// their port ranges may overlap.
        public var publishAddress = "127.0.0.1"
        public var leaseTTL: Duration = .seconds(10)
        /// Routes built on the API (e.g. `/mcp`), served beside it.
        public var extensions: [any APIExtension] = []
        /// Whether the MCP endpoint, when the binary builds one into `extensions`, offers the
        /// delete and key management tools (`--mcp-destructive-tools`).
        public var mcpDestructiveTools = false
        /// false serves the API without the reconcile loop (nothing on the host is changed):
        /// for measuring the API alone.
        public var reconcile = true
        public var orphanDelay: Duration = .seconds(600)
        /// How a switch reaches Caddy (`--switch`).
        public var switching: SwitchSetting = .auto
        /// Where sites write the access logs traffic per slot is read from; nil: none.
        public var accessLogDirectory: String? = "/var/log/caddy/codeb"
        /// Where backups of backing services go; nil: `{stateDirectory}/backups`.
        public var backupDirectory: String?
        public var quota = TeamQuota.unlimited
        /// The key file secrets and registry logins are sealed with; created when missing.
        public var secretKeyFile = Configuration.defaultSecretKeyFile
        public static let defaultSecretKeyFile = "/etc/codeb/secret.key"
        /// The teams' deploy webhooks (`notify:`).
        public var notify: [NotifyHook] = []
        /// An API connection that sends nothing (or only part of a request) for this long is
        /// closed; a response being streamed is not idle.
        public var apiIdleTimeout: Duration = .seconds(60)
        /// Followed logs and events at once, per key and in all (past them: 429).
        public var streamsPerKey = 32
        public var streamsTotal = 256
        /// A quiet followed SSE stream gets a comment this often; a client that is gone is
        /// noticed then and its slot freed.
        public var streamHeartbeat: Duration = .seconds(15)

        public init() {}
    }

    public let configuration: Configuration
    public let backend: StateBackend
    public let reconciler: Reconciler
    public let api: ControllerAPI
    public let loop: ReconcileLoop
    /// What the keyring heartbeat last said (`/readyz`'s `secret-keys`).
    public let keyringSummary: KeyringSummary
    let logger: Logger

    /// Opens the stores and wires the parts; nothing runs until `serviceGroup()` is run.
    /// `metrics` renders `/metrics` (the process's registry; the caller bootstraps the backend).
    public init(_ configuration: Configuration, metrics: (@Sendable () -> String)? = nil, logger: Logger = Logger(label: "codeb.controller")) throws {
        self.configuration = configuration
        self.logger = logger
        let keyringSummary = KeyringSummary()
        self.keyringSummary = keyringSummary
        let backend = try StateBackend.open(
            databaseURL: configuration.databaseURL, stateDirectory: configuration.stateDirectory, node: configuration.node, leaseTTL: configuration.leaseTTL
        )
        self.backend = backend
        let store = backend.store
        // Without a usable key the daemon still runs; whatever needs a secret says why.
        var vault: SecretVault?
        do {
            vault = try SecretVault.open(store: backend.secrets, keyFile: configuration.secretKeyFile, node: configuration.node.value)
        } catch {
            logger.warning("secrets are unavailable: the secret key cannot be used", metadata: ["keyFile": "\(configuration.secretKeyFile)", "error": "\(error)"])
        }
        // One list, then the event stream: a pass reads this cache instead of listing.
        let docker = DockerRuntime(socketPath: configuration.dockerSocket)
        let runtime: any ContainerRuntime = configuration.sharedObservation ? CachingRuntime(docker, relistEvery: configuration.relist) : docker
        // The node's own files (probe token, image pull record) live here in both store modes.
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let probe = ProbeToken.loadOrCreate(at: configuration.stateDirectory + "/probe-token")
        if !probe.persisted {
            logger.warning("the confirmation probe's token cannot be kept in the state directory; site files are rewritten with a new one on each start",
                           metadata: ["stateDirectory": "\(configuration.stateDirectory)"])
        }
        let router = CaddyRouter(configuration.routerConfiguration(probeToken: probe.token))
        let notifier = configuration.notify.isEmpty ? nil : WebhookNotifier(hooks: configuration.notify)
        // Per node, like the image cache it describes: in the state directory in both store modes.
        let provenance = try FileImageProvenance(path: configuration.stateDirectory + "/image-pulls.json")
        let reconciler = Reconciler(
            store: store, runtime: runtime, router: router, probe: HTTPHealthProbe(host: configuration.publishAddress),
            previewDomain: configuration.previewDomain, events: EventFeed(), leases: backend.leases, vault: vault,
            publishAddress: configuration.publishAddress, notifier: notifier, traffic: CaddyAccessLogs(router: router), provenance: provenance,
            backups: FileBackups(root: configuration.backupDirectory ?? configuration.stateDirectory + "/backups")
        )
        self.reconciler = reconciler
        var readiness: [String: @Sendable () async throws -> Void] = [
            "docker": { _ = try await runtime.ping() },
            "caddy": { try await router.check() },
        ]
        if let postgres = backend.postgres {
            readiness["database"] = { try await postgres.check() }
        }
        var render: (@Sendable () async -> String)?
        if let metrics {
            let gauges = ScrapeGauges(store: store, postgres: backend.postgres)
            render = {
                await gauges.record()
                return metrics()
            }
        }
        // Said in /readyz without making it fail: a reload fallback works, it is just not hitless.
        var details: [String: @Sendable () async -> String] = [
            "switching": {
                guard let (mode, reason) = await router.decidedSwitchMode() else { return "not decided yet (Caddy not reached)" }
                return mode == .file ? "file (route files; no Caddy reload)" : "reload: \(reason ?? "")"
            },
        ]
        details["traffic"] = {
            guard let decided = await router.accessLogs() else { return "not decided yet (Caddy not reached)" }
            return decided.directory.map { "watched: access logs in \($0)" } ?? "not watched: \(decided.reason ?? "")"
        }
        if let notifier {
            // Counts and the last failure only: /readyz is open, and a webhook's URL is a secret.
            details["notifications"] = { notifier.summary }
        }
        if vault != nil {
            details["secret-keys"] = { keyringSummary.current }
        }
        details["backups"] = { BackupHealth.shared.summary }
        api = ControllerAPI(
            store: store, keys: backend.keys, reconciler: reconciler, readiness: readiness, details: details, metrics: render, quota: configuration.quota, vault: vault, ports: configuration.ports,
            streams: StreamLimiter(perKey: configuration.streamsPerKey, total: configuration.streamsTotal),
            streamHeartbeat: configuration.streamHeartbeat
        )
        loop = ReconcileLoop(reconciler: reconciler, workers: configuration.workers, resync: configuration.resync, orphanDelay: configuration.orphanDelay)
    }

    /// Says in the log whether dockerd and Caddy answer now (the daemon starts either way;
    /// `/readyz` reports them until they do).
    public func checkDependencies() async {
        do {
            let info = try await reconciler.runtime.ping()
            logger.info("dockerd reachable", metadata: ["version": "\(info.version)", "api": "\(info.apiVersion)"])
        } catch {
            logger.warning("dockerd is not reachable yet; /readyz reports it", metadata: ["error": "\(error)"])
        }
        do {
            try await reconciler.router.check()
        } catch {
            logger.warning("Caddy is not usable yet; /readyz reports it", metadata: ["error": "\(error)"])
        }
    }

    /// The services in start order (they stop in reverse, so the store outlives the loop's
    /// drain), stopped gracefully by SIGTERM or SIGINT.
    public func serviceGroup() -> ServiceGroup {
        let app = Application(
            router: api.routes(extensions: configuration.extensions),
            server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.apiIdleTimeout))),
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: "codeb/\(CodebVersion.current)"),
            logger: logger
        )
        let (store, runtime, router) = (backend.store, reconciler.runtime, reconciler.router)
        let systemd = SystemdService(notifier: SystemdNotifier(), ready: {
            do {
                _ = try await store.keys()
                _ = try await runtime.ping()
                try await router.check()
                return true
            } catch {
                return false
            }
        }, monitor: loop.monitor, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let postgres = backend.postgres {
            services.append(.init(service: postgres))
            services.append(.init(service: SchemaMigrationService(store: postgres, logger: logger), successTerminationBehavior: .ignore))
        }
        guard configuration.reconcile else {
            services.append(.init(service: app))
            return ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        }
        if let notifier = reconciler.notifier { services.append(.init(service: notifier)) }
        if let vault = api.vault { services.append(.init(service: KeyringService(vault: vault, summary: keyringSummary, logger: logger))) }
        services += [.init(service: ReconcileService(loop: loop)), .init(service: app),
                     // Its job may end early (no systemd, or no watchdog): that must not stop the daemon.
                     .init(service: systemd, successTerminationBehavior: .ignore)]
        return ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}
