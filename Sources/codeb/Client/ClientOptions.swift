import ArgumentParser
import Foundation
import Yams

/// `--server` and `--token`, else `CODEB_SERVER`/`CODEB_TOKEN`, else `~/.config/codeb/config.yaml`
/// (`server:` and `token:`), in that order.
struct ClientOptions: ParsableArguments {
    @Option(help: "The controller's API, e.g. http://127.0.0.1:9101.")
    var server: String?

    @Option(help: "An API key (codeb_{team}_{role}_…). Prefer CODEB_TOKEN: flags show up in process lists.")
    var token: String?

    func client() throws -> APIClient {
        let environment = ProcessInfo.processInfo.environment
        var file: [String: String] = [:]
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = (environment["XDG_CONFIG_HOME"] ?? home + "/.config") + "/codeb/config.yaml"
        if let data = FileManager.default.contents(atPath: path),
           let mapping = (try? Yams.compose(yaml: String(decoding: data, as: UTF8.self)))?.mapping {
            for (key, value) in mapping { if let key = key.string, let value = value.string { file[key] = value } }
        }
        let server = self.server ?? environment["CODEB_SERVER"] ?? file["server"] ?? "http://127.0.0.1:9101"
        guard let token = self.token ?? environment["CODEB_TOKEN"] ?? file["token"] else {
            throw CLIError("no API key: pass --token, set CODEB_TOKEN, or put `token:` in \(path)")
        }
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw CLIError("--server must start with http:// or https://, e.g. http://127.0.0.1:9101")
        }
        return APIClient(base: base, token: token)
    }
}
