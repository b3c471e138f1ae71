import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOFoundationCompat
import Spec
import State

/// `TrafficRouter` on Caddy: site files in a directory that the operator's main Caddyfile
/// imports by absolute path, reloaded through Caddy's admin API (`POST /load` with the main
/// Caddyfile). An actor because it owns the sites directory: batches never interleave.
public actor CaddyRouter: TrafficRouter {
    public struct Configuration: Sendable {
        /// The operator's main Caddyfile; it must `import` the sites directory by absolute path.
        public var mainCaddyfile: String
        /// Where codeb keeps `{project}-{environment}.caddy`.
        public var sitesDirectory: String
        /// Caddy's admin API, TCP or unix socket.
        public var admin: HTTPEndpoint
        public var renderer: CaddySiteRenderer
        /// The limit for one reload; Caddy answers `/load` once the new config runs.
        public var reloadTimeout: Duration
        /// How long a promotion may wait for traffic through Caddy to reach the new slot.
        public var confirmationTimeout: Duration
        /// How a switch reaches Caddy: by route file, by reload, or `auto` (file when this Caddy
        /// evaluates `{file.*}`, found out once by a probe site).
        public var switching: SwitchSetting
        /// Caddy's listeners with automatic HTTPS (its `https_port` and `http_port` global
        /// options): the confirmation probe dials the first, the switch probe site the second.
        public var httpsPort: Int
        public var httpPort: Int
        /// A CA the probe trusts beside the system's roots (a private or test CA); nil: the system's only.
        public var trustedCAFile: String?
        /// How long a confirmation waits for a domain's first certificate before the promotion
        /// goes ahead as `.certificatePending`.
        public var certificateTimeout: Duration
        /// Where sites write the access logs traffic per slot is read from (`--access-log-dir`);
        /// nil: none. Used only with route files (Caddy ≥ 2.8) and once Caddy showed it can
        /// write there (`accessLogs()`).
        public var accessLogDirectory: String?

        public init(
            mainCaddyfile: String = "/etc/caddy/Caddyfile", sitesDirectory: String = "/etc/caddy/sites",
            admin: HTTPEndpoint = .tcp(host: "127.0.0.1", port: 2019), renderer: CaddySiteRenderer = CaddySiteRenderer(),
            reloadTimeout: Duration = .seconds(60), confirmationTimeout: Duration = .seconds(20), switching: SwitchSetting = .reload,
            httpsPort: Int = 443, httpPort: Int = 80, trustedCAFile: String? = nil, certificateTimeout: Duration = .seconds(120),
            accessLogDirectory: String? = nil
        ) {
            self.accessLogDirectory = accessLogDirectory
            self.certificateTimeout = certificateTimeout
            self.httpsPort = httpsPort
            self.httpPort = httpPort
            self.trustedCAFile = trustedCAFile
            self.switching = switching
            self.confirmationTimeout = confirmationTimeout
            self.mainCaddyfile = mainCaddyfile
            self.sitesDirectory = sitesDirectory
            self.admin = admin
            self.renderer = renderer
            self.reloadTimeout = reloadTimeout
        }
    }

    public nonisolated let configuration: Configuration
    let logger: Logger
    let files = FileManager.default
    /// Sites as last read, by environment, with the stamps of their files then.
    var siteCache: [EnvironmentKey: CachedSite] = [:]
    /// The switch mode in use, once decided (`switchMode()`).
    var decidedMode: SwitchMode?
    /// Why `auto` chose reload, for `/readyz` and the log.
    public internal(set) var switchModeReason: String?
    /// The access log directory sites write to, decided with the switch mode: nil when traffic
    /// is not watched (`accessLogsReason` says why).
    var decidedAccessLogs: String?
    /// While deciding: the directory the probe showed usable, or what stood in the way.
    var accessLogCandidate: String?
    var accessLogProblem: String?
    public internal(set) var accessLogsReason: String?
    /// What each domain was last seen to serve, and when (`certificates(for:)`).
    var certificateCache: [Hostname: (certificate: ServedCertificate, at: ContinuousClock.Instant)] = [:]
    /// Caddy's own CA root (`localCARoot()`), once read.
    var localRoot: String?

    public init(_ configuration: Configuration, logger: Logger = Logger(label: "codeb.caddy")) {
        self.configuration = configuration
        self.logger = logger
    }

    public nonisolated func render(_ site: SiteConfig) -> String {
        configuration.renderer.render(site)
    }

    /// The renderer as decided for this Caddy: with the access log once Caddy can write it.
    var renderer: CaddySiteRenderer {
        var renderer = configuration.renderer
        renderer.accessLogDirectory = decidedAccessLogs
        return renderer
    }

    // MARK: - Checks

    public func check() async throws {
        _ = try mainCaddyfileText()
        try await checkAdmin()
    }

    /// Whether the main Caddyfile at `path` configures on-demand TLS (`on_demand_tls { … }`
    /// outside a comment): without it Caddy refuses a site that asks for certificates on demand.
    public static func mainCaddyfileHasOnDemandTLS(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).contains { line in
            let text = line.drop { $0 == " " || $0 == "\t" }
            return text.hasPrefix("on_demand_tls")
        }
    }

    /// The main Caddyfile is readable and imports the sites directory.
    public func checkMainCaddyfile() throws {
        _ = try mainCaddyfileText()
    }

    /// Caddy's admin API answers `GET /config/`.
    public func checkAdmin() async throws {
        var request = DriverHTTP.request(configuration.admin, .GET, "/config/")
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        do {
            let response = try await DriverHTTP.client.execute(request, timeout: .seconds(5))
            _ = try await DriverHTTP.body(response)
            guard response.status.code == 200 else {
                throw RouterError(.unavailable, "Caddy's admin API at \(configuration.admin) answered HTTP \(response.status.code) to GET /config/")
            }
        } catch let error as RouterError {
            throw error
        } catch {
            throw RouterError(.unavailable, "cannot reach Caddy's admin API at \(configuration.admin) (\(error)); is Caddy running with `admin \(configuration.admin)`?")
        }
    }

    /// Reads the main Caddyfile and checks that it imports the sites directory by absolute path.
    func mainCaddyfileText() throws -> String {
        let path = configuration.mainCaddyfile
        guard let data = files.contents(atPath: path) else {
            throw RouterError(.misconfigured, "cannot read the main Caddyfile \(path); set --caddy-config to the file Caddy runs with")
        }
        let text = String(decoding: data, as: UTF8.self)
        let directory = Self.normalized(configuration.sitesDirectory)
        let imports = text.split(whereSeparator: \.isNewline).contains { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "import" else { return false }
            let target = String(words[1])
            return target.hasPrefix(directory + "/") || target == directory
        }
        guard imports else {
            throw RouterError(.misconfigured, "the main Caddyfile \(path) does not import the sites directory; add the line `import \(directory)/*.caddy` (an absolute path: Caddy resolves relative imports from its own working directory)")
        }
        return text
    }

    static func normalized(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    // MARK: - Sites

    /// One environment's site: its own file (and route files), not the whole directory. The
    /// file's name is shared by names that concatenate alike, so its header must name `key`.
    /// What was read is kept with the files' stamps (inode, size, modification time): a pass
    /// of a converged environment costs five `stat`s, and any change — a write of this
    /// controller (files are replaced by rename) or a hand edit — reads the files again.
    public func site(_ key: EnvironmentKey) async throws -> ManagedSite? {
        let mode = await switchMode()
        let name = "\(key.project)-\(key.environment).caddy"
        let routeFiles = RouteFiles(sitesDirectory: Self.normalized(configuration.sitesDirectory), key: key)
        let stamps = ([configuration.sitesDirectory + "/" + name] + routeFiles.all).map(FileStamp.init(path:))
        if let cached = siteCache[key], cached.mode == mode, cached.stamps == stamps { return cached.site }
        let site = readSite(named: name, mode: mode).flatMap { $0.key == key ? $0 : nil }
        siteCache[key] = CachedSite(mode: mode, stamps: stamps, site: site)
        return site
    }

    /// The site in `name` if it is a managed one whose header names it, with whether what is on
    /// disk is exactly what its recorded configuration renders to.
    private func readSite(named name: String, mode: SwitchMode) -> ManagedSite? {
        let path = configuration.sitesDirectory + "/" + name
        guard let data = files.contents(atPath: path) else { return nil }
        let content = String(decoding: data, as: UTF8.self)
        guard let header = CaddySiteRenderer.parseHeader(content),
              let project = header["project"].flatMap({ try? ResourceName(parsing: $0) }),
              let environment = header["environment"].flatMap({ try? EnvironmentName(parsing: $0) }),
              name == "\(project)-\(environment).caddy"
        else { return nil }
        let key = EnvironmentKey(project: project, environment: environment)
        let routeFiles = RouteFiles(sitesDirectory: Self.normalized(configuration.sitesDirectory), key: key)
        // A site whose upstreams are in route files is the record written last, checked
        // against the site file and every route file.
        let byFile = header[CaddySiteRenderer.routesField] == "file"
        let config = byFile
            ? files.contents(atPath: routeFiles.record).flatMap { try? JSONDecoder().decode(SiteConfig.self, from: $0) }
            : CaddySiteRenderer.parseSite(content)
        var intact = false
        if let config {
            let expectedFiles = mode == .file ? routeFiles.contents(for: config) : nil
            intact = renderer.render(config, routeFiles: expectedFiles == nil ? nil : routeFiles) == content
                && (expectedFiles ?? [:]).allSatisfy { files.contents(atPath: $0.key) == $0.value }
        }
        return ManagedSite(key: key, revision: config?.revision, hash: config?.hash, path: path, content: content, config: config, intact: intact)
    }

    public func listSites() async throws -> [ManagedSite] {
        let mode = await switchMode()
        let directory = configuration.sitesDirectory
        let names: [String]
        do {
            names = try files.contentsOfDirectory(atPath: directory)
        } catch {
            if !files.fileExists(atPath: directory) { return [] }
            throw RouterError(.fileConflict, "cannot list the sites directory \(directory): \(error.localizedDescription)")
        }
        var sites: [ManagedSite] = []
        for name in names.sorted() where name.hasSuffix(".caddy") {
            if let site = readSite(named: name, mode: mode) { sites.append(site) }
        }
        return sites
    }

    public func apply(_ changes: [SiteChange]) async throws -> SiteApplyReport {
        let mode = await switchMode()
        let mainCaddyfile = try mainCaddyfileText()
        try createSitesDirectory()

        // Work out the new content of every file and keep what was there, to restore on failure.
        // Route files that gain content are written before the reload (a new site file's
        // placeholders must resolve once it loads), those that go after it.
        var plan: [FileStep] = []
        for change in Dictionary(changes.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last }).values.sorted(by: { $0.key < $1.key }) {
            let path = path(for: change.key)
            let old = files.contents(atPath: path)
            if let old, CaddySiteRenderer.parseHeader(String(decoding: old, as: UTF8.self)) == nil {
                throw RouterError(.fileConflict, "\(path) exists but was not written by codeb (no `\(CaddySiteRenderer.headerPrefix)` header); codeb will not overwrite or remove it")
            }
            let routeFiles = RouteFiles(sitesDirectory: Self.normalized(configuration.sitesDirectory), key: change.key)
            let routed = mode == .file ? change.site.flatMap(routeFiles.contents(for:)) : nil
            for file in routeFiles.all {
                let (before, after) = (files.contents(atPath: file), routed?[file])
                if before != after { plan.append(FileStep(key: change.key, path: file, old: before, new: after, domains: [], isSite: false)) }
            }
            let new = change.site.map { Data(renderer.render($0, routeFiles: routed == nil ? nil : routeFiles).utf8) }
            let domains = change.site?.routes.flatMap { $0.domains.map(\.value) } ?? []
            if old != new { plan.append(FileStep(key: change.key, path: path, old: old, new: new, domains: domains, isSite: true)) }
        }
        guard !plan.isEmpty else { return SiteApplyReport() }
        let reload = plan.contains(where: \.isSite)
        let ordered = plan.filter { !$0.isSite && $0.new != nil } + plan.filter(\.isSite) + plan.filter { !$0.isSite && $0.new == nil }

        var done: [FileStep] = []
        do {
            if plan.contains(where: { !$0.isSite && $0.new != nil }) { try createRoutesDirectory() }
            for step in ordered where step.isSite || step.new != nil || !reload {
                try write(step)
                done.append(step)
            }
            let written = Array(Set(plan.filter { $0.new != nil }.map(\.key))).sorted()
            let removed = Array(Set(plan.filter { $0.isSite && $0.new == nil }.map(\.key))).sorted()
            guard reload else {
                // Only route files changed: the switch is done, with no reload of anything.
                Counter(label: MetricFamily.caddySwitchesTotal.name, dimensions: [("mode", "file")]).increment()
                logger.info("switched by route file", metadata: ["sites": "\(written.map(\.stem))"])
                return SiteApplyReport(written: written, removed: [], reloaded: false)
            }
            let started = ContinuousClock.now
            do {
                try await load(mainCaddyfile)
                Counter(label: MetricFamily.caddyReloadsTotal.name, dimensions: [("result", "ok")]).increment()
                Timer(label: MetricFamily.caddyReloadSeconds.name).recordInterval(since: started)
            } catch var error as RouterError where error.kind == .rejected {
                Counter(label: MetricFamily.caddyReloadsTotal.name, dimensions: [("result", "rejected")]).increment()
                // Name the files Caddy's message points at: by path (syntax errors) or by domain (conflicts).
                let culprits = plan.filter { step in
                    step.isSite && (error.message.contains(step.path) || step.domains.contains { error.message.contains($0) })
                }.map(\.path)
                if !culprits.isEmpty {
                    error.message += " (in \(culprits.joined(separator: ", ")))"
                }
                throw error
            }
            let elapsed = ContinuousClock.now - started
            // Route files no longer wanted go once the config that read them is replaced.
            for step in ordered where !step.isSite && step.new == nil {
                try? write(step)
            }
            let report = SiteApplyReport(written: written, removed: removed, reloaded: true, reloadDuration: elapsed)
            logger.info("caddy reloaded", metadata: [
                "written": "\(report.written.map(\.stem))", "removed": "\(report.removed.map(\.stem))",
                "reloadMs": "\(elapsed.inMilliseconds)",
            ])
            return report
        } catch {
            // Put every file back as it was: disk again matches the config Caddy still runs.
            for step in done.reversed() {
                do {
                    if let old = step.old { try AtomicFile.write(old, to: step.path) } else { try AtomicFile.remove(step.path) }
                } catch {
                    logger.error("could not restore site file", metadata: ["path": "\(step.path)", "error": "\(error)"])
                }
            }
            throw error
        }
    }

    /// One file to write (or remove, when `new` is nil) in a batch.
    struct FileStep {
        var key: EnvironmentKey
        var path: String
        var old: Data?
        var new: Data?
        var domains: [String]
        /// A site file (its change needs a reload) rather than a route file.
        var isSite: Bool
    }

    private func write(_ step: FileStep) throws {
        do {
            if let new = step.new {
                try AtomicFile.write(new, to: step.path)
            } else {
                try AtomicFile.remove(step.path)
            }
        } catch let error as FileSystemError {
            throw RouterError(.fileConflict, error.message)
        }
    }

    private func path(for key: EnvironmentKey) -> String {
        Self.normalized(configuration.sitesDirectory) + "/\(key.stem).caddy"
    }

    func createRoutesDirectory() throws {
        let directory = RouteFiles.directory(Self.normalized(configuration.sitesDirectory))
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RouterError(.fileConflict, "cannot create the route files directory \(directory): \(error.localizedDescription)")
        }
    }

    func createSitesDirectory() throws {
        do {
            try files.createDirectory(atPath: configuration.sitesDirectory, withIntermediateDirectories: true)
        } catch {
            throw RouterError(.fileConflict, "cannot create the sites directory \(configuration.sitesDirectory): \(error.localizedDescription)")
        }
    }

    /// `POST /load` with the main Caddyfile; Caddy answers once the new config runs, or keeps the
    /// old one and says why.
    func load(_ caddyfile: String) async throws {
        var request = DriverHTTP.request(configuration.admin, .POST, "/load")
        request.headers.replaceOrAdd(name: "Content-Type", value: "text/caddyfile")
        // A fresh connection per reload: a POST is not retried, and Caddy may close an idle
        // pooled connection at any moment (it restarts servers on load).
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        request.body = .bytes(ByteBuffer(string: caddyfile))
        var response: HTTPClientResponse?
        var body = Data()
        // A connection Caddy resets mid-request (seen about once in a few hundred loads under
        // concurrent passes) is retried once: `/load` of the whole config is idempotent.
        for attempt in 1...2 where response == nil {
            do {
                let answer = try await DriverHTTP.client.execute(request, timeout: TimeAmount(configuration.reloadTimeout))
                body = try await DriverHTTP.body(answer)
                response = answer
            } catch {
                guard attempt == 2 else {
                    logger.warning("Caddy's admin API dropped a reload; retrying once", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                throw RouterError(.unavailable, "cannot reach Caddy's admin API at \(configuration.admin) to reload (\(error)); the site files were restored")
            }
        }
        guard let response else { throw RouterError(.unavailable, "Caddy's admin API at \(configuration.admin) did not answer the reload") }
        guard response.status.code == 200 else {
            struct CaddyErrorWire: Decodable { var error: String }
            let message = (try? JSONDecoder().decode(CaddyErrorWire.self, from: body).error)
                ?? String(decoding: body.prefix(2000), as: UTF8.self)
            throw RouterError(.rejected, "Caddy rejected the new configuration and keeps serving the previous one; the site files were restored. Caddy said: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
