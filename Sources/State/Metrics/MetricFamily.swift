/// Every metric the controller exposes at `/metrics`, declared once (controller-runtime's
/// `metrics.go`): name, type, labels, help and — where a label takes a closed set of values —
/// those values. The code records through these names; `/metrics` carries each family's HELP
/// and exposes every family from the start (its known series at zero, the others as empty
/// families), so a dashboard or an alert sees 0, not "no data"; the operating guide's table and
/// the Grafana dashboard are checked against it.
public enum MetricFamily: String, CaseIterable, Sendable {
    case reconcilesTotal = "codeb_reconciles_total"
    case reconcileSeconds = "codeb_reconcile_seconds"
    case queueDepth = "codeb_queue_depth"
    case queueWaitSeconds = "codeb_queue_wait_seconds"
    case rolloutsTotal = "codeb_rollouts_total"
    case rolloutSeconds = "codeb_rollout_seconds"
    case switchesTotal = "codeb_switches_total"
    case caddyReloadsTotal = "codeb_caddy_reloads_total"
    case caddyReloadSeconds = "codeb_caddy_reload_seconds"
    case caddySwitchesTotal = "codeb_caddy_switches_total"
    case switchMode = "codeb_switch_mode"
    case dockerRequestSeconds = "codeb_docker_request_seconds"
    case dockerErrorsTotal = "codeb_docker_errors_total"
    case slots = "codeb_slots"
    case apiRequestsTotal = "codeb_api_requests_total"
    case apiRequestSeconds = "codeb_api_request_seconds"
    case probeSeconds = "codeb_probe_seconds"
    case imagePullSeconds = "codeb_image_pull_seconds"
    case imagePullBytesTotal = "codeb_image_pull_bytes_total"
    case storeSeconds = "codeb_store_seconds"
    case leasesHeld = "codeb_leases_held"
    case notificationsTotal = "codeb_notifications_total"
    case notificationAttemptsTotal = "codeb_notification_attempts_total"
    case mcpCallsTotal = "codeb_mcp_calls_total"
    case mcpCallsInFlight = "codeb_mcp_calls_in_flight"
    case orphansRemovedTotal = "codeb_orphans_removed_total"
    case containerRelistsTotal = "codeb_container_relists_total"
    case certificateExpiry = "codeb_certificate_expiry_timestamp_seconds"
    case httpRequestsTotal = "codeb_http_requests_total"
    case httpRequestSeconds = "codeb_http_request_seconds"
    case backupsTotal = "codeb_backups_total"
    case backupSeconds = "codeb_backup_seconds"
    case backupBytesTotal = "codeb_backup_bytes_total"

    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// The name as recorded and exposed.
    public var name: String { rawValue }

    public var kind: Kind {
        switch self {
        case .reconcileSeconds, .queueWaitSeconds, .rolloutSeconds, .caddyReloadSeconds, .dockerRequestSeconds, .apiRequestSeconds,
             .probeSeconds, .imagePullSeconds, .storeSeconds, .httpRequestSeconds, .backupSeconds:
            .histogram
        case .queueDepth, .switchMode, .slots, .leasesHeld, .mcpCallsInFlight, .certificateExpiry:
            .gauge
        default:
            .counter
        }
    }

    /// Its labels, each with the values it takes when they are a closed set (nil: open, e.g. a
    /// team or a route).
    public var labels: [(name: String, values: [String]?)] {
        switch self {
        case .reconcilesTotal: [("result", ["ok", "error"])]
        case .rolloutsTotal, .rolloutSeconds: [("outcome", ["live", "failed"])]
        case .caddyReloadsTotal: [("result", ["ok", "rejected"])]
        case .caddySwitchesTotal: [("mode", ["file"])]
        case .switchMode: [("mode", ["file", "reload"])]
        case .dockerRequestSeconds: [("method", nil)]
        case .dockerErrorsTotal: [("kind", nil)]
        case .slots: [("team", nil), ("state", nil)]
        case .apiRequestsTotal: [("route", nil), ("method", nil), ("status", nil)]
        case .apiRequestSeconds: [("route", nil), ("method", nil)]
        case .probeSeconds: [("result", ["healthy", "unhealthy", "no_answer"])]
        case .imagePullSeconds: [("result", ["ok", "failed"])]
        case .storeSeconds: [("op", nil), ("store", nil)]
        case .notificationsTotal: [("event", nil), ("result", ["delivered", "failed", "dropped"])]
        case .notificationAttemptsTotal: [("result", ["ok", "error"])]
        case .mcpCallsTotal: [("result", ["ok", "error", "denied"])]
        case .certificateExpiry: [("domain", nil)]
        case .httpRequestsTotal: [("team", nil), ("project", nil), ("environment", nil), ("slot", nil), ("class", ["1xx", "2xx", "3xx", "4xx", "5xx", "refused"])]
        case .httpRequestSeconds: [("team", nil), ("project", nil), ("environment", nil), ("slot", nil)]
        case .backupsTotal: [("result", ["ok", "failed"]), ("trigger", ["manual", "schedule", "before-change"])]
        case .backupSeconds: [("trigger", ["manual", "schedule", "before-change"])]
        default: []
        }
    }

    public var help: String {
        switch self {
        case .reconcilesTotal: "Reconcile passes by result (ok, error)."
        case .reconcileSeconds: "One reconcile pass over one environment."
        case .queueDepth: "Environments waiting for a worker."
        case .queueWaitSeconds: "How long an environment waited for a worker."
        case .rolloutsTotal: "Rollouts by outcome (live, failed)."
        case .rolloutSeconds: "From apply to live (or failed), per rollout."
        case .switchesTotal: "Promotions and rollbacks that moved traffic."
        case .caddyReloadsTotal: "Caddy reloads by result (ok, rejected: the files were restored)."
        case .caddyReloadSeconds: "Caddy reload latency."
        case .caddySwitchesTotal: "Traffic switches made by a route file, without a reload."
        case .switchMode: "The switch mode in use (1): file, or reload on Caddy older than 2.8."
        case .dockerRequestSeconds: "Docker Engine API latency by method."
        case .dockerErrorsTotal: "Docker Engine API errors by kind."
        case .slots: "Slots by team and state."
        case .apiRequestsTotal: "API requests by matched route, method and status."
        case .apiRequestSeconds: "API request latency by matched route and method."
        case .probeSeconds: "Health probes by result (healthy, unhealthy, no_answer)."
        case .imagePullSeconds: "Image pulls by result (ok, failed)."
        case .imagePullBytesTotal: "Bytes downloaded by image pulls."
        case .storeSeconds: "Store reads and writes by operation and store."
        case .leasesHeld: "Environments this controller holds the lease of (reconciles)."
        case .notificationsTotal: "Deploy webhooks by event and result (delivered, failed, dropped)."
        case .notificationAttemptsTotal: "Deploy webhook POSTs by result (ok, error)."
        case .mcpCallsTotal: "AI assistants' tool calls by result (ok, error, denied)."
        case .mcpCallsInFlight: "AI assistants' tool calls in progress."
        case .orphansRemovedTotal: "Containers and site files removed by the orphan sweep."
        case .containerRelistsTotal: "Full container lists the reconciler's cache asked dockerd for."
        case .certificateExpiry: "When the certificate Caddy serves for a live domain ends (Unix seconds), as read by handshake; absent until one is served."
        case .httpRequestsTotal: "Users' requests through Caddy per slot, by status class (refused: nothing listened on the slot's port), read from the access log (Caddy ≥ 2.8)."
        case .httpRequestSeconds: "Users' request latency through Caddy per slot, read from the access log (Caddy ≥ 2.8)."
        case .backupsTotal: "Backups of backing services by result (ok, failed) and trigger (manual, schedule, before-change)."
        case .backupSeconds: "How long a backup took (the service is paused that long)."
        case .backupBytesTotal: "Bytes of volume content archived by backups."
        }
    }

    /// Every series whose labels are all closed sets (one, unlabelled, for a family without
    /// labels): what is exposed at zero from the start. Empty when a label is open.
    public var knownSeries: [[(String, String)]] {
        var series: [[(String, String)]] = [[]]
        for label in labels {
            guard let values = label.values else { return [] }
            series = series.flatMap { prefix in values.map { prefix + [(label.name, $0)] } }
        }
        return series
    }

    /// The family a recorded name belongs to (a histogram's `_bucket`, `_sum`, `_count` too).
    public static func named(_ name: String) -> MetricFamily? {
        if let family = MetricFamily(rawValue: name) { return family }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            if let family = MetricFamily(rawValue: String(name.dropLast(suffix.count))), family.kind == .histogram { return family }
        }
        return nil
    }
}
