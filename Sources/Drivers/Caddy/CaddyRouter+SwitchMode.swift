import AsyncHTTPClient
import Foundation
import Metrics
import NIOCore
import State

extension CaddyRouter {
    /// The hostname of the probe site that tells whether Caddy evaluates `{file.*}`. Under
    /// `.invalid`, which no real domain can be.
    static let probeHost = "codeb-switch-probe.invalid"
    static let probeFile = "codeb-switch-probe.caddy"
    static let probeAnswer = "file"
    /// Starts the probe site's answer, so it is told apart from Caddy's empty 200 for a host no
    /// site matches (the previous configuration, still answering right after the reload).
    static let probeMarker = "codeb-probe:"

    /// The switch mode in use, decided on first use and kept: the configured one, or for `auto`
    /// file when this Caddy answers a probe site's `{file.*}` placeholder, else reload (with a
    /// warning, `codeb_switch_mode` and `switchModeReason`). A probe that cannot run (Caddy
    /// down) decides nothing: reload is used until the next call asks again.
    public func switchMode() async -> SwitchMode {
        if let decidedMode { return decidedMode }
        let (mode, reason, final): (SwitchMode, String?, Bool)
        if let unusable = Self.unusableForPlaceholders(Self.normalized(configuration.sitesDirectory)) {
            (mode, reason, final) = (.reload, unusable, true)
        } else {
            switch configuration.switching {
            case .file:
                (mode, reason, final) = (.file, nil, true)
                if let directory = usableAccessLogDirectory() { accessLogCandidate = directory }
            case .reload: (mode, reason, final) = (.reload, "switching by reload was asked for (--switch reload)", true)
            case .auto:
                do {
                    let answer = try await probeWithAccessLog()
                    (mode, reason, final) = answer == Self.probeAnswer
                        ? (.file, nil, true)
                        : (.reload, "this Caddy does not evaluate {file.*} placeholders (Caddy < 2.8; its probe site answered \(answer.isEmpty ? "an empty body" : "“\(answer.prefix(60))”")): every switch reloads Caddy's configuration — install Caddy ≥ 2.8 from Caddy's own package repository", true)
                } catch let error as RouterError where error.kind == .unavailable || error.kind == .misconfigured {
                    // Caddy is not there yet: ask again next time.
                    (mode, reason, final) = (.reload, "cannot tell yet whether Caddy evaluates {file.*}: \(error)", false)
                } catch {
                    // Caddy answers but the probe site cannot be loaded or reached (e.g. its port
                    // is taken, or Caddy's HTTP port is not the one codeb writes sites for).
                    (mode, reason, final) = (.reload, "the probe for {file.*} support failed: \(error); every switch reloads Caddy's configuration (--switch file forces route files)", true)
                }
            }
        }
        if final {
            decidedMode = mode
            switchModeReason = reason
            decideAccessLogs(mode: mode)
            for candidate in SwitchMode.allCases {
                Gauge(label: MetricFamily.switchMode.name, dimensions: [("mode", candidate.rawValue)]).record(candidate == mode ? 1 : 0)
            }
            if mode == .reload, configuration.switching != .reload {
                logger.warning("switching falls back to Caddy reloads", metadata: ["reason": "\(reason ?? "")"])
            } else {
                // Said once by the daemon; tests and benchmarks make many routers.
                logger.log(level: configuration.switching == .auto ? .info : .debug, "switching by \(mode == .file ? "route file (no Caddy reload)" : "Caddy reload")")
            }
        }
        return mode
    }

    /// The switch mode and why, once decided; nil before (nothing is probed here).
    public func decidedSwitchMode() -> (SwitchMode, String?)? {
        decidedMode.map { ($0, switchModeReason) }
    }

    /// A sites directory that cannot appear in a Caddyfile placeholder token as it is: nil
    /// when usable, else why not.
    static func unusableForPlaceholders(_ directory: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-")
        guard directory.hasPrefix("/"), directory.allSatisfy(allowed.contains) else {
            return "the sites directory \(directory) is not an absolute path of letters, digits, '/', '.', '_' and '-', so Caddy cannot read route files under it: every switch reloads Caddy"
        }
        return nil
    }

    /// The probe, with an access log in the access log directory when one is set: if Caddy
    /// cannot open it there (permissions, or a Caddy without `log_skip`/`mode`), the probe runs
    /// again without, and traffic is not watched — a log must never stop a site from loading.
    func probeWithAccessLog() async throws -> String {
        guard let directory = usableAccessLogDirectory() else { return try await probeFilePlaceholders(accessLog: nil) }
        do {
            let answer = try await probeFilePlaceholders(accessLog: directory)
            accessLogCandidate = directory
            return answer
        } catch let error as RouterError where error.kind == .rejected {
            accessLogProblem = "Caddy cannot write its access log in \(directory): \(error.message)"
            return try await probeFilePlaceholders(accessLog: nil)
        }
    }

    /// The configured access log directory, created if missing, when Caddyfile tokens can hold
    /// it; nil otherwise (with the reason kept).
    func usableAccessLogDirectory() -> String? {
        guard let configured = configuration.accessLogDirectory, !configured.isEmpty else {
            accessLogProblem = "no access log directory is set (--access-log-dir)"
            return nil
        }
        let directory = Self.normalized(configured)
        if let unusable = Self.unusableForPlaceholders(directory) {
            accessLogProblem = unusable.replacingOccurrences(of: "the sites directory", with: "the access log directory")
            return nil
        }
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            accessLogProblem = "cannot create the access log directory \(directory): \(error.localizedDescription)"
            return nil
        }
        return directory
    }

    /// Traffic is watched with route files and a directory Caddy showed it can write to.
    func decideAccessLogs(mode: SwitchMode) {
        if mode == .file, let candidate = accessLogCandidate {
            decidedAccessLogs = candidate
            accessLogsReason = nil
        } else {
            decidedAccessLogs = nil
            accessLogsReason = mode == .file
                ? (accessLogProblem ?? "no access log")
                : "switching by reload (Caddy < 2.8 or --switch reload): Caddy's access log cannot name the upstream there, so traffic per slot is not watched and a bake judges health only"
            logger.log(level: configuration.accessLogDirectory == nil ? .debug : .warning, "traffic per slot is not watched", metadata: ["reason": "\(accessLogsReason ?? "")"])
        }
    }

    /// Whether traffic per slot is read from access logs, and where; nil before the switch mode
    /// is decided. Off: why not.
    public func accessLogs() -> (directory: String?, reason: String?)? {
        decidedMode == nil ? nil : (decidedAccessLogs, accessLogsReason)
    }

    /// Writes (once; kept afterwards, so a restart reloads nothing) a site that answers with
    /// a `{file.*}` placeholder of a file holding "file", and returns what Caddy answers. With
    /// `accessLog`, the site also opens an access log there (logging nothing): the load fails
    /// when Caddy cannot write it.
    func probeFilePlaceholders(accessLog: String?) async throws -> String {
        let sites = Self.normalized(configuration.sitesDirectory)
        let answerFile = RouteFiles.directory(sites) + "/switch-probe"
        let port: Int
        switch configuration.renderer.addressMode {
        case .plainHTTP(let plain): port = plain
        case .automaticHTTPS: port = configuration.httpPort
        }
        let site = """
            \(CaddySiteRenderer.headerPrefix): switch probe — answers whether Caddy reads route files ({file.*}, Caddy ≥ 2.8)
            # codeb rewrites this file.

            http://\(Self.probeHost):\(port) {
            \(accessLog.map { "\tlog {\n\t\toutput file \($0)/codeb-switch-probe.log {\n\t\t\tmode 0640\n\t\t}\n\t\tformat json\n\t}\n\tlog_skip\n" } ?? "")\trespond "\(Self.probeMarker){file.\(answerFile)}" 200
            }

            """
        let mainCaddyfile = try mainCaddyfileText()
        try createSitesDirectory()
        try createRoutesDirectory()
        if files.contents(atPath: answerFile) != Data(Self.probeAnswer.utf8) {
            try AtomicFile.write(Data(Self.probeAnswer.utf8), to: answerFile)
        }
        let sitePath = sites + "/" + Self.probeFile
        if files.contents(atPath: sitePath) != Data(site.utf8) {
            let old = files.contents(atPath: sitePath)
            try AtomicFile.write(Data(site.utf8), to: sitePath)
            do {
                try await load(mainCaddyfile)
            } catch {
                if let old { try? AtomicFile.write(old, to: sitePath) } else { try? AtomicFile.remove(sitePath) }
                throw error
            }
        }
        // Right after a reload the previous configuration may still answer a new connection.
        var last = ""
        for attempt in 0..<10 {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/")
            request.headers.replaceOrAdd(name: "Host", value: "\(Self.probeHost):\(port)")
            request.headers.replaceOrAdd(name: "Connection", value: "close")
            do {
                let response = try await DriverHTTP.probeClient.execute(request, timeout: .seconds(5))
                last = String(buffer: try await response.body.collect(upTo: 4096)).trimmingCharacters(in: .whitespacesAndNewlines)
                // The probe site's own answer decides; anything else is the previous
                // configuration still answering a new connection.
                if response.status.code == 200, last.hasPrefix(Self.probeMarker) { return String(last.dropFirst(Self.probeMarker.count)) }
            } catch {
                guard attempt < 9 else { throw ProbeUnreachable(port: port, underlying: "\(error)") }
            }
            if attempt < 9 { try await Task.sleep(for: .milliseconds(100)) }
        }
        return last
    }
}

/// The probe site did not answer on Caddy's HTTP listener.
struct ProbeUnreachable: Error, CustomStringConvertible {
    let port: Int
    let underlying: String
    var description: String { "nothing answered the probe site on 127.0.0.1:\(port) (\(underlying))" }
}
