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
        discussion: ControllerSetting.helpText
    )

    @Option(help: "The config file (YAML; also CODEB_CONFIG); missing is fine unless given explicitly. [default: /etc/codeb/controller.yaml]")
    var config: String?

    /// The settings, checked against `ControllerSetting.catalogue` (listed above the usage).
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Settings as --NAME VALUE, listed above.", valueName: "settings"))
    var settings: [String] = []

    func run() async throws {
        let resolved = try ControllerSettings.resolve(flags: self)
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        MetricFamily.exposeKnownSeries()
        var logger = Logger(label: "codeb.controller")
        logger.logLevel = .info

        let daemon = try ControllerDaemon(resolved.daemon, metrics: { MetricFamily.annotated(registry.emitToString()) }, logger: logger)
        await daemon.checkDependencies()
        logger.info("codeb controller \(CodebVersion.current) listening", metadata: ["listen": "\(resolved.daemon.listenHost):\(resolved.daemon.listenPort)", "state": "\(daemon.backend.location)", "node": "\(resolved.daemon.node)"])
        try await daemon.serviceGroup().run()
        logger.info("codeb controller stopped")
    }
}
