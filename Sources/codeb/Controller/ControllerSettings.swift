import ArgumentParser
import Controller
import Drivers
import Foundation
import Console
import MCPEndpoint
import Spec
import State
import Yams

/// The controller's settings after merging defaults, the config file, `CODEB_*` variables and
/// flags (in rising precedence), each checked with a clear error.
struct ControllerSettings {
    var listenHost = "127.0.0.1"
    var listenPort = 9101
    var stateDir = FileStore.defaultDirectory
    var databaseURL: String?
    var dockerSocket = DockerRuntime.defaultSocketPath
    var caddyConfig = "/etc/caddy/Caddyfile"
    var caddyAdmin: HTTPEndpoint = .tcp(host: "127.0.0.1", port: 2019)
    var caddySites = "/etc/caddy/sites"
    var caddyHTTPPort: Int?
    var resync: Duration = .seconds(30)
    /// Time between full lists of the containers (the event stream keeps the cache current).
    var relist: Duration = .seconds(300)
    var ports = PortRanges.default
    var workers = 4
    var previewDomain: Hostname?
    var node: NodeName = .local
    /// The loopback address containers publish on.
    var publishAddress = "127.0.0.1"
    var leaseTTL: Duration = .seconds(10)
    var mcpDestructiveTools = false
    /// How long a managed container or site the store does not know is kept before it is removed.
    var orphanDelay: Duration = .seconds(600)
    var switching = SwitchSetting.auto
    /// The same for every team; nil parts are unlimited.
    var quota = TeamQuota.unlimited
    /// The AES-256 key file secrets and registry logins are sealed with (created 0600 if missing).
    var secretKeyFile = ControllerDaemon.Configuration.defaultSecretKeyFile
    /// The teams' deploy webhooks (`notify:` in the config file only).
    var notify: [NotifyHook] = []

    static let names = ["secret-key-file", "relist", "ports", "listen", "state-dir", "database-url", "docker-socket", "caddy-config", "caddy-admin", "caddy-sites", "caddy-http-port", "resync", "workers", "preview-domain", "node", "publish-address", "lease-ttl", "mcp-destructive-tools", "orphan-delay", "switch", "quota-environments", "quota-memory", "quota-cpus"]

    /// The daemon's configuration from these settings.
    var daemon: ControllerDaemon.Configuration {
        var configuration = ControllerDaemon.Configuration()
        configuration.listenHost = listenHost
        configuration.listenPort = listenPort
        configuration.stateDirectory = stateDir
        configuration.databaseURL = databaseURL
        configuration.dockerSocket = dockerSocket
        configuration.caddyConfig = caddyConfig
        configuration.caddyAdmin = caddyAdmin
        configuration.caddySites = caddySites
        configuration.caddyHTTPPort = caddyHTTPPort
        configuration.resync = resync
        configuration.relist = relist
        configuration.ports = ports
        configuration.workers = workers
        configuration.previewDomain = previewDomain
        configuration.node = node
        configuration.publishAddress = publishAddress
        configuration.leaseTTL = leaseTTL
        configuration.extensions = [MCPEndpoint(destructiveTools: mcpDestructiveTools), ConsoleEndpoint()]
        configuration.orphanDelay = orphanDelay
        configuration.switching = switching
        configuration.quota = quota
        configuration.secretKeyFile = secretKeyFile
        configuration.notify = notify
        return configuration
    }

    static func resolve(flags: ControllerCommand, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControllerSettings {
        var values: [String: String] = [:]
        var notify: [NotifyHook] = []
        let explicit = flags.config ?? environment["CODEB_CONFIG"]
        let path = explicit ?? "/etc/codeb/controller.yaml"
        if let data = FileManager.default.contents(atPath: path) {
            let node: Node?
            do {
                node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
            } catch {
                throw ValidationError("\(path) is not valid YAML: \(error)")
            }
            if let mapping = node?.mapping {
                for (key, value) in mapping {
                    if key.string == "notify" {
                        notify = try Self.notifyHooks(value, file: path)
                        continue
                    }
                    guard let name = key.string, names.contains(name) else {
                        throw ValidationError("\(path): unknown setting `\(key.string ?? "?")`; settings are \(names.joined(separator: ", "))")
                    }
                    values[name] = value.string ?? ""
                }
            }
        } else if explicit != nil {
            throw ValidationError("cannot read the config file \(path)")
        }
        for name in names {
            let variable = "CODEB_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[variable] { values[name] = value }
        }
        let flagValues: [String: String?] = [
            "listen": flags.listen, "state-dir": flags.stateDir, "database-url": flags.databaseURL, "docker-socket": flags.dockerSocket,
            "caddy-config": flags.caddyConfig, "caddy-admin": flags.caddyAdmin, "caddy-sites": flags.caddySites,
            "caddy-http-port": flags.caddyHTTPPort.map(String.init), "resync": flags.resync,
            "workers": flags.workers.map(String.init), "preview-domain": flags.previewDomain,
            "node": flags.node, "publish-address": flags.publishAddress, "lease-ttl": flags.leaseTTL,
            "mcp-destructive-tools": flags.mcpDestructiveTools ? "true" : nil,
            "orphan-delay": flags.orphanDelay, "switch": flags.switching,
            "quota-environments": flags.quotaEnvironments.map(String.init), "quota-memory": flags.quotaMemory, "quota-cpus": flags.quotaCPUs,
            "secret-key-file": flags.secretKeyFile, "relist": flags.relist, "ports": flags.ports,
        ]
        for (name, value) in flagValues { if let value { values[name] = value } }

        var settings = ControllerSettings()
        settings.notify = notify
        if let listen = values["listen"] {
            guard case .tcp(let host, let port)? = try? HTTPEndpoint(parsing: listen) else {
                throw ValidationError("listen: `\(listen)` is not host:port, e.g. 127.0.0.1:9101")
            }
            settings.listenHost = host
            settings.listenPort = port
        }
        if let value = values["state-dir"] { settings.stateDir = value }
        if let value = values["database-url"], !value.isEmpty { settings.databaseURL = value }
        if let value = values["docker-socket"] { settings.dockerSocket = value }
        if let value = values["caddy-config"] { settings.caddyConfig = value }
        if let value = values["caddy-sites"] { settings.caddySites = value }
        if let value = values["secret-key-file"], !value.isEmpty { settings.secretKeyFile = value }
        if let value = values["caddy-admin"] {
            do { settings.caddyAdmin = try HTTPEndpoint(parsing: value) } catch { throw ValidationError("caddy-admin: \(error)") }
        }
        func number(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = values[name] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw ValidationError("\(name): `\(text)` is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        settings.caddyHTTPPort = try number("caddy-http-port", 1...65535)
        /// The spec's duration grammar (`30s`, `5m`, `1h30m`), or a bare number of seconds.
        func duration(_ name: String, _ range: ClosedRange<Duration>) throws -> Duration? {
            guard let text = values[name] else { return nil }
            let value: Duration
            if let seconds = Int(text), text.allSatisfy(\.isASCII) {
                value = .seconds(seconds)
            } else {
                do { value = try SpecDuration(parsing: text).duration } catch {
                    throw ValidationError("\(name): \(error.message) (a bare number is seconds)")
                }
            }
            guard range.contains(value) else {
                throw ValidationError("\(name): `\(text)` is outside \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound))")
            }
            return value
        }
        settings.resync = try duration("resync", .seconds(1)...(.seconds(86400))) ?? settings.resync
        settings.relist = try duration("relist", .seconds(1)...(.seconds(86400))) ?? settings.relist
        if let value = values["ports"] {
            do { settings.ports = try PortRanges(parsing: value) } catch { throw ValidationError("ports: \(error.message)") }
        }
        settings.workers = try number("workers", 1...64) ?? settings.workers
        if let value = values["preview-domain"] {
            do { settings.previewDomain = try Hostname(parsing: value) } catch { throw ValidationError("preview-domain: \(error.message)") }
        }
        if let value = values["node"] {
            do { settings.node = try NodeName(parsing: value) } catch { throw ValidationError("node: \(error.message)") }
        }
        if let value = values["publish-address"] {
            settings.publishAddress = try Self.loopbackAddress(value)
        }
        settings.leaseTTL = try duration("lease-ttl", .seconds(2)...(.seconds(600))) ?? settings.leaseTTL
        settings.orphanDelay = try duration("orphan-delay", .seconds(1)...(.seconds(604_800))) ?? settings.orphanDelay
        settings.quota.environmentsPerRange = try number("quota-environments", 1...500)
        if let value = values["quota-memory"] {
            do { settings.quota.memory = try ByteSize(parsing: value) } catch { throw ValidationError("quota-memory: \(error.message)") }
        }
        if let value = values["quota-cpus"] {
            do { settings.quota.cpus = try CPUCount(parsing: value) } catch { throw ValidationError("quota-cpus: \(error.message)") }
        }
        if let value = values["switch"] {
            guard let setting = SwitchSetting(rawValue: value.lowercased()) else {
                throw ValidationError("switch: `\(value)` is not auto, file or reload")
            }
            settings.switching = setting
        }
        if let value = values["mcp-destructive-tools"] {
            switch value.lowercased() {
            case "true", "yes", "1": settings.mcpDestructiveTools = true
            case "false", "no", "0", "": settings.mcpDestructiveTools = false
            default: throw ValidationError("mcp-destructive-tools: `\(value)` is not true or false")
            }
        }
        return settings
    }

    /// `notify:` — a list of `{team, url, events?, secret-file?}`, each checked.
    static func notifyHooks(_ node: Node, file: String) throws -> [NotifyHook] {
        let example = "notify:\n  - team: acme\n    url: https://hooks.example.com/codeb\n    events: [rollout.live, rollout.failed]"
        guard let items = node.sequence else { throw ValidationError("\(file): notify: a list of webhooks, e.g.\n\(example)") }
        return try items.enumerated().map { index, item in
            let at = "\(file): notify[\(index)]"
            guard let mapping = item.mapping else { throw ValidationError("\(at): a webhook is a mapping, e.g.\n\(example)") }
            var fields: [String: Node] = [:]
            for (key, value) in mapping {
                guard let name = key.string, ["team", "url", "events", "secret-file", "attempts", "backoff", "allow-private"].contains(name) else {
                    throw ValidationError("\(at): unknown key `\(key.string ?? "?")`; a webhook has team, url, events, secret-file, attempts, backoff and allow-private")
                }
                fields[name] = value
            }
            guard let teamText = fields["team"]?.string, let team = try? ResourceName(parsing: teamText) else {
                throw ValidationError("\(at): team is required, a team name (lowercase letters, digits and '-')")
            }
            guard let urlText = fields["url"]?.string, let url = URL(string: urlText), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                  url.host?.isEmpty == false
            else { throw ValidationError("\(at): url is required, an http:// or https:// URL") }
            var events = Set(DeployNotice.Event.allCases)
            if let list = fields["events"] {
                guard let names = list.sequence?.map({ $0.string ?? "" }), !names.isEmpty else {
                    throw ValidationError("\(at): events is a list of \(DeployNotice.Event.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                events = try Set(names.map { name in
                    guard let event = DeployNotice.Event(rawValue: name) else {
                        throw ValidationError("\(at): unknown event `\(name)`; events are \(DeployNotice.Event.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return event
                })
            }
            var secret: String?
            if let secretFile = fields["secret-file"]?.string {
                // Like the secret key file: a signing key others on the host can read signs for them too.
                if let mode = (try? FileManager.default.attributesOfItem(atPath: secretFile))?[.posixPermissions] as? NSNumber, mode.uint16Value & 0o077 != 0 {
                    throw ValidationError("\(at): secret-file \(secretFile) is readable by others (mode \(String(mode.uint16Value & 0o777, radix: 8))); chmod 600 it")
                }
                guard let data = FileManager.default.contents(atPath: secretFile), !data.isEmpty else {
                    throw ValidationError("\(at): cannot read secret-file \(secretFile) (the key webhook bodies are signed with)")
                }
                secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            var attempts = 5
            if let text = fields["attempts"]?.string {
                guard let value = Int(text), (1...20).contains(value) else { throw ValidationError("\(at): attempts is a whole number from 1 to 20") }
                attempts = value
            }
            var backoff: Duration = .seconds(1)
            if let text = fields["backoff"]?.string {
                guard let value = try? SpecDuration(parsing: text).duration, value >= .milliseconds(10), value <= .seconds(600) else {
                    throw ValidationError("\(at): backoff is a duration from 10ms to 10m, e.g. 2s")
                }
                backoff = value
            }
            var allowPrivate = false
            if let value = fields["allow-private"] {
                guard let flag = value.bool else { throw ValidationError("\(at): allow-private is true or false") }
                allowPrivate = flag
            }
            return NotifyHook(team: team, url: url, events: events, secret: secret, attempts: attempts, backoff: backoff, allowPrivate: allowPrivate)
        }
    }

    /// An IPv4 address on loopback (127.0.0.0/8), written plainly: containers are reached
    /// through Caddy only, so they never publish on an address other hosts can reach.
    static func loopbackAddress(_ text: String) throws -> String {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let octets = parts.compactMap { part in part.count <= 3 && part.allSatisfy(\.isASCII) ? UInt8(part) : nil }
        guard parts.count == 4, octets.count == 4, octets[0] == 127, octets.map(String.init).joined(separator: ".") == text else {
            throw ValidationError("publish-address: `\(text)` is not a loopback IPv4 address such as 127.0.0.2; containers publish on loopback only, so Caddy is the only way in")
        }
        return text
    }

    /// A whole-millisecond duration as the spec writes it (`10s`, `7d`).
    static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return SpecDuration(milliseconds: seconds * 1000 + attoseconds / 1_000_000_000_000_000).description
    }
}
