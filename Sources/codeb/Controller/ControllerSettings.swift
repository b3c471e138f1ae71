import ArgumentParser
import Controller
import Drivers
import Foundation
import Console
import MCPEndpoint
import Spec
import State
import Yams

/// The controller's settings: the catalogue's (`ControllerSetting`) from the config file,
/// `CODEB_*` variables and flags, plus the file's `notify:` webhooks, each checked with a clear
/// error.
struct ControllerSettings {
    /// Everything but the routes the binary adds (`daemon` adds them).
    var configuration: ControllerDaemon.Configuration

    /// The daemon's configuration, with the MCP endpoint and the console served beside the API.
    var daemon: ControllerDaemon.Configuration {
        var daemon = configuration
        daemon.extensions = [MCPEndpoint(destructiveTools: configuration.mcpDestructiveTools), ConsoleEndpoint()]
        return daemon
    }

    static func resolve(flags: ControllerCommand, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControllerSettings {
        var file: [String: String] = [:]
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
            for (key, value) in node?.mapping ?? [:] {
                if key.string == "notify" {
                    notify = try Self.notifyHooks(value, file: path)
                    continue
                }
                guard let name = key.string, ControllerSetting.named(name) != nil else {
                    throw ValidationError("\(path): unknown setting `\(key.string ?? "?")`; settings are notify, \(ControllerSetting.catalogue.map(\.name).joined(separator: ", "))")
                }
                guard let text = value.scalar?.string else {
                    throw ValidationError("\(path): \(name) takes one value, e.g. `\(name): \(ControllerSetting.named(name)?.example ?? "")`")
                }
                file[name] = text
            }
        } else if explicit != nil {
            throw ValidationError("cannot read the config file \(path)")
        }
        do {
            var configuration = try ControllerSetting.resolve(
                flags: try ControllerSetting.flags(from: flags.settings), environment: environment, file: file, fileName: path
            )
            configuration.notify = notify
            return ControllerSettings(configuration: configuration)
        } catch {
            throw ValidationError(error.message)
        }
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
}
