@testable import codeb
import Controller
import Drivers
import Foundation
import Testing

@Suite struct ControllerSettingsTests {
    @Test func theExampleConfigIsAccepted() throws {
        let path = PackagePaths.root.appending(path: "examples/controller.yaml").path
        let command = try ControllerCommand.parse(["--config", path])
        let settings = try ControllerSettings.resolve(flags: command, environment: [:])
        #expect(settings.daemon.listenPort == 9101)
        #expect(settings.daemon.caddySites == "/etc/caddy/sites")
        #expect(settings.daemon.caddyAdmin == .tcp(host: "127.0.0.1", port: 2019))
        #expect(settings.daemon.caddyHTTPPort == nil)
    }

    @Test func portRangesAndTheRelistPeriodComeFromTheSettings() throws {
        let command = try ControllerCommand.parse(["--ports", "staging=6000-6999", "--relist", "60"])
        let settings = try ControllerSettings.resolve(flags: command, environment: [:])
        #expect(settings.daemon.ports.description == "production=4100-4499,staging=6000-6999,preview=5000-5499")
        #expect(settings.daemon.relist == .seconds(60))
    }

    @Test func flagsWinOverTheEnvironmentWhichWinsOverTheFile() throws {
        let file = NSTemporaryDirectory() + "codeb-settings-\(UUID().uuidString.prefix(6)).yaml"
        try "workers: 2\nresync: 10\nstate-dir: /from/file\n".write(toFile: file, atomically: true, encoding: .utf8)
        let command = try ControllerCommand.parse(["--config", file, "--workers", "8"])
        let settings = try ControllerSettings.resolve(flags: command, environment: ["CODEB_WORKERS": "4", "CODEB_RESYNC": "20"])
        #expect(settings.daemon.workers == 8)
        #expect(settings.daemon.resync == .seconds(20))
        #expect(settings.daemon.stateDirectory == "/from/file")
    }

    @Test(arguments: [["--listen", "nowhere"], ["--caddy-http-port", "0"], ["--preview-domain", "Bad Domain"], ["--workers", "1000"],
                             ["--quota-memory", "lots"], ["--quota-cpus=-1"], ["--quota-environments", "0"], ["--orphan-delay", "0"],
                             ["--ports", "production=4100-4600"], ["--ports", "dev=1-2"], ["--relist", "0"], ["--resync", "5x"], ["--resync=-5s"], ["--lease-ttl", "1s"], ["--orphan-delay", "30d"],
                             ["--publish-address", "0.0.0.0"], ["--publish-address", "10.0.0.5"], ["--publish-address", "127.0.0.256"],
                             ["--publish-address", "127.0.0.01"], ["--publish-address", "127.1"], ["--publish-address", "::1"]])
    func badSettingsAreClearErrors(_ arguments: [String]) throws {
        let command = try ControllerCommand.parse(arguments + ["--config", PackagePaths.root.appending(path: "examples/controller.yaml").path])
        #expect(throws: (any Error).self) { try ControllerSettings.resolve(flags: command, environment: [:]) }
    }

    /// The spec's duration grammar for every time setting; a bare number stays seconds.
    @Test(arguments: [("5s", Duration.seconds(5)), ("2m", .seconds(120)), ("1m30s", .seconds(90)), ("45", .seconds(45)), ("2500ms", .milliseconds(2500))])
    func timeSettingsTakeTheSpecsDurations(_ text: String, _ expected: Duration) throws {
        let example = PackagePaths.root.appending(path: "examples/controller.yaml").path
        let flagged = try ControllerSettings.resolve(flags: try ControllerCommand.parse(["--config", example, "--resync", text, "--relist", text]), environment: [:])
        #expect(flagged.daemon.resync == expected)
        #expect(flagged.daemon.relist == expected)
        let variables = try ControllerSettings.resolve(
            flags: try ControllerCommand.parse(["--config", example]), environment: ["CODEB_LEASE_TTL": text, "CODEB_ORPHAN_DELAY": text]
        )
        #expect(variables.daemon.leaseTTL == expected)
        #expect(variables.daemon.orphanDelay == expected)
        let error = #expect(throws: (any Error).self) {
            try ControllerSettings.resolve(flags: try ControllerCommand.parse(["--config", example, "--resync", "5 s"]), environment: [:])
        }
        #expect("\(error!)".contains("resync:"))
    }

    @Test func containersPublishOnLoopbackUnlessAnotherLoopbackAddressIsGiven() throws {
        let example = PackagePaths.root.appending(path: "examples/controller.yaml").path
        let plain = try ControllerSettings.resolve(flags: try ControllerCommand.parse(["--config", example]), environment: [:])
        #expect(plain.daemon.publishAddress == "127.0.0.1")
        let second = try ControllerSettings.resolve(
            flags: try ControllerCommand.parse(["--config", example]), environment: ["CODEB_PUBLISH_ADDRESS": "127.0.0.2"]
        )
        #expect(second.daemon.publishAddress == "127.0.0.2")
        let error = #expect(throws: (any Error).self) {
            try ControllerSettings.resolve(flags: try ControllerCommand.parse(["--config", example, "--publish-address", "0.0.0.0"]), environment: [:])
        }
        #expect("\(error!)".contains("not a loopback IPv4 address"))
    }

    @Test func quotasAndTheOrphanDelayComeFromTheSettings() throws {
        let example = PackagePaths.root.appending(path: "examples/controller.yaml").path
        let plain = try ControllerSettings.resolve(flags: try ControllerCommand.parse(["--config", example]), environment: [:])
        #expect(plain.daemon.quota == .unlimited)
        #expect(plain.daemon.orphanDelay == .seconds(600))
        let set = try ControllerSettings.resolve(
            flags: try ControllerCommand.parse(["--config", example, "--quota-memory", "8g", "--orphan-delay", "30"]),
            environment: ["CODEB_QUOTA_ENVIRONMENTS": "5", "CODEB_QUOTA_CPUS": "2.5"]
        )
        #expect(set.daemon.quota.environmentsPerRange == 5)
        #expect(set.daemon.quota.memory?.bytes == 8 << 30)
        #expect(set.daemon.quota.cpus?.nanoCPUs == 2_500_000_000)
        #expect(set.daemon.orphanDelay == .seconds(30))
    }

    @Test func switchingIsAutoUnlessAskedForAndAnUnknownModeIsRefused() throws {
        let example = PackagePaths.root.appending(path: "examples/controller.yaml").path
        let plain = try ControllerCommand.parse(["--config", example])
        #expect(try ControllerSettings.resolve(flags: plain, environment: [:]).daemon.switching == .auto)
        #expect(try ControllerSettings.resolve(flags: plain, environment: ["CODEB_SWITCH": "reload"]).daemon.switching == .reload)
        let flagged = try ControllerCommand.parse(["--config", example, "--switch", "file"])
        #expect(try ControllerSettings.resolve(flags: flagged, environment: ["CODEB_SWITCH": "reload"]).daemon.switching == .file)
        #expect(try ControllerSettings.resolve(flags: flagged, environment: [:]).daemon.switching == .file)
        let error = #expect(throws: (any Error).self) {
            try ControllerSettings.resolve(flags: plain, environment: ["CODEB_SWITCH": "instant"])
        }
        #expect("\(error!)".contains("switch: `instant` is not auto, file or reload"))
    }

    @Test func destructiveMCPToolsAreOffOnlyUntilAskedFor() throws {
        let example = PackagePaths.root.appending(path: "examples/controller.yaml").path
        let plain = try ControllerCommand.parse(["--config", example])
        #expect(try ControllerSettings.resolve(flags: plain, environment: [:]).daemon.mcpDestructiveTools == false)
        #expect(try ControllerSettings.resolve(flags: plain, environment: ["CODEB_MCP_DESTRUCTIVE_TOOLS": "true"]).daemon.mcpDestructiveTools == true)
        let flagged = try ControllerCommand.parse(["--config", example, "--mcp-destructive-tools"])
        #expect(try ControllerSettings.resolve(flags: flagged, environment: [:]).daemon.mcpDestructiveTools == true)
        let error = #expect(throws: (any Error).self) {
            try ControllerSettings.resolve(flags: plain, environment: ["CODEB_MCP_DESTRUCTIVE_TOOLS": "maybe"])
        }
        #expect("\(error!)".contains("mcp-destructive-tools"))
    }

    @Test func anUnknownSettingInTheFileIsNamed() throws {
        let file = NSTemporaryDirectory() + "codeb-settings-\(UUID().uuidString.prefix(6)).yaml"
        try "listen: 127.0.0.1:9101\nlisten_port: 1\n".write(toFile: file, atomically: true, encoding: .utf8)
        let command = try ControllerCommand.parse(["--config", file])
        let error = #expect(throws: (any Error).self) { try ControllerSettings.resolve(flags: command, environment: [:]) }
        #expect("\(error!)".contains("listen_port"))
    }

    @Test(arguments: [
        ("mysql://u:secret@127.0.0.1/codeb", "must look like postgres://"),
        ("postgres://u:secret@127.0.0.1/codeb?sslmode=maybe", "sslmode"),
    ])
    func aMalformedDatabaseURLStopsTheDaemonWithOneSentence(url: String, expected: String) async throws {
        let result = try await CLI.run(["controller", "--database-url", url, "--config", PackagePaths.root.appending(path: "examples/controller.yaml").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("secret"), "the URL's password is not echoed")
    }
}

/// `notify:` in the config file: each webhook checked, with the line of the fix in the error.
@Suite struct NotifySettingsTests {
    static func resolve(_ yaml: String) throws -> ControllerSettings {
        let file = NSTemporaryDirectory() + "codeb-notify-\(UUID().uuidString.prefix(6)).yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return try ControllerSettings.resolve(flags: try ControllerCommand.parse(["--config", file]), environment: [:])
    }

    @Test func webhooksAreReadWithTheirEventsAndSigningKey() throws {
        let secret = NSTemporaryDirectory() + "codeb-hook-\(UUID().uuidString.prefix(6)).secret"
        try "s3cret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        let settings = try Self.resolve("""
            notify:
              - team: acme
                url: https://hooks.example.com/codeb/T0K3N
                events: [rollout.live, rollout.failed]
                secret-file: \(secret)
                attempts: 3
                backoff: 500ms
              - team: other
                url: http://127.0.0.1:9999/hook
                allow-private: true
            """)
        let hooks = settings.daemon.notify
        #expect(hooks.count == 2)
        #expect(hooks[0].team.value == "acme" && hooks[0].events == [.rolloutLive, .rolloutFailed] && hooks[0].secret == "s3cret")
        #expect(hooks[0].shownURL == "https://hooks.example.com/…", "the path (often the hook's secret) is never shown")
        #expect(hooks[0].attempts == 3 && hooks[0].backoff == .milliseconds(500))
        #expect(hooks[1].events == Set(DeployNotice.Event.allCases), "every event by default")
        #expect(hooks[1].attempts == 5 && hooks[1].backoff == .seconds(1))
        #expect(!hooks[0].allowPrivate && hooks[1].allowPrivate, "private receivers only when the operator says so")
    }

    @Test func aSigningKeyOthersCanReadIsRefused() throws {
        let secret = NSTemporaryDirectory() + "codeb-hook-\(UUID().uuidString.prefix(6)).secret"
        try "s3cret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secret)
        #expect { try Self.resolve("notify:\n  - team: acme\n    url: https://x.test/h\n    secret-file: \(secret)") } throws: {
            "\($0)".contains("is readable by others (mode 644); chmod 600 it")
        }
    }

    @Test(arguments: [
        ("notify: yes", "a list of webhooks"),
        ("notify:\n  - url: https://x.test/h", "team is required"),
        ("notify:\n  - team: acme\n    url: ftp://x.test/h", "an http:// or https:// URL"),
        ("notify:\n  - team: acme\n    url: https://x.test/h\n    events: [deployed]", "unknown event `deployed`"),
        ("notify:\n  - team: acme\n    url: https://x.test/h\n    method: PUT", "unknown key `method`"),
        ("notify:\n  - team: acme\n    url: https://x.test/h\n    secret-file: /nonexistent/hook.secret", "cannot read secret-file"),
        ("notify:\n  - team: acme\n    url: https://x.test/h\n    attempts: 0", "attempts is a whole number"),
        ("notify:\n  - team: acme\n    url: https://x.test/h\n    backoff: soon", "backoff is a duration"),
        ("notify:\n  - team: acme\n    url: https://x.test/h\n    allow-private: maybe", "allow-private is true or false"),
    ])
    func badWebhooksAreClearErrors(_ yaml: String, _ message: String) throws {
        #expect { try Self.resolve(yaml) } throws: { "\($0)".contains(message) }
    }
}
