@testable import Spec
import Testing

/// The change lines of an apply come from the model: a change to any field of an environment is
/// a line (a field added to the model without a line here fails `everyFieldHasAChangeHere`), and
/// no line shows an env or secret value.
@Suite struct EnvironmentSpecChangesTests {
    static func base() throws -> EnvironmentSpec {
        let spec = try SpecLoader.load("""
            project: shop
            team: acme
            image: registry.example.com/acme/shop:1
            port: 3000
            env: { A: one-value }
            secrets: [TOKEN]
            environments:
              production: { domains: [shop.example.com] }
            """, file: "codeb.yaml")
        var environment = try #require(spec.environment(named: .production))
        environment.template.secretsBinding = SecretsBinding(pins: [try EnvVarName(parsing: "TOKEN"): 1])
        return environment
    }

    /// One change per field of the model (groups walked into), and what its line must say.
    static let mutations: [String: @Sendable (inout EnvironmentSpec) throws -> String] = [
        "image": { $0.template.image = try ImageReference(parsing: "registry.example.com/acme/shop:2"); return "image: " },
        "command": { $0.template.command = ["node", "server.js"]; return "command: (image default) → node server.js" },
        "env": { $0.template.env[try EnvVarName(parsing: "A")] = "another-value"; return "env A: changed" },
        "secrets": { $0.template.secrets.append(try EnvVarName(parsing: "OTHER")); return "secret OTHER: added" },
        "secretsBinding": { $0.template.secretsBinding?.pins[try EnvVarName(parsing: "TOKEN")] = 2; return "secret TOKEN: changed" },
        "port": { $0.template.port = try Port(3001); return "port: 3000 → 3001" },
        "memory": { $0.template.resources.memory = try ByteSize(parsing: "1g"); return "memory: " },
        "cpus": { $0.template.resources.cpus = try CPUCount(parsing: "2"); return "cpus: " },
        "pids": { $0.template.resources.pids = 64; return "pids: 1024 → 64" },
        "healthcheck": { $0.template.healthcheck.timeout = try SpecDuration(parsing: "5s"); return "healthcheck: " },
        "domains": { $0.domains.append(try Hostname(parsing: "www.shop.example.com")); return "domains: shop.example.com → shop.example.com, www.shop.example.com" },
        "promote": { $0.promote = .manual; return "promote: auto → manual" },
        "grace": { $0.grace = try SpecDuration(parsing: "1h"); return "grace: " },
        "stopTimeout": { $0.stopTimeout = try SpecDuration(parsing: "10s"); return "stopTimeout: " },
        "nodes": { $0.nodes = [try NodeName(parsing: "app-1")]; return "nodes: (none) → app-1" },
        "tls": { $0.tls = .internal; return "tls: auto → internal" },
        "hsts": { $0.hsts = true; return "hsts: false → true" },
        "bake": { $0.bake = BakePolicy(duration: .minutes(5)); return "bake: (none) → for 5m, max-error-rate 2%, min-requests 50" },
        "services": {
            $0.services = [ServiceSpec(name: try ResourceName(parsing: "db"), image: try ImageReference(parsing: "postgres:16"), port: try Port(5432),
                                       volume: "/var/lib/postgresql/data", env: [try EnvVarName(parsing: "POSTGRES_PASSWORD"): "hunter2"],
                                       generatedSecrets: [try EnvVarName(parsing: "APP_PASSWORD")])]
            // A service's env values are never shown: one may be a password.
            return "services: (none) → db (postgres:16, port 5432, volume /var/lib/postgresql/data, env POSTGRES_PASSWORD, generated APP_PASSWORD, 256m, 0.5 CPU)"
        },
    ]

    /// Every stored field, as `changes(from:)` walks them (`name` is the environment itself).
    static func fields(of value: Any) -> [String] {
        Mirror(reflecting: value).children.flatMap { child -> [String] in
            guard let label = child.label, label != "name" else { return [] }
            return child.value is any SpecChangeGroup ? fields(of: child.value) : [label]
        }
    }

    @Test func everyFieldHasAChangeHere() throws {
        #expect(Set(Self.fields(of: try Self.base())) == Set(Self.mutations.keys), "a field of the model has no change in `mutations`, or one is gone")
    }

    @Test(arguments: mutations.keys.sorted())
    func aChangeToAnyFieldIsOneLineThatSaysIt(_ field: String) throws {
        let old = try Self.base()
        var new = old
        let mutation = try #require(Self.mutations[field])
        let said = try mutation(&new)
        let lines = new.changes(from: old)
        #expect(lines.count == 1 && lines.first?.hasPrefix(said) == true, "\(lines)")
        if let line = lines.first, let arrow = line.range(of: " → ") {
            // Both sides shown, and they differ (a field shown by a summary that left it out would not).
            #expect(line[..<arrow.lowerBound].split(separator: ": ", maxSplits: 1).last != line[arrow.upperBound...].split(separator: ": ", maxSplits: 1).last)
        }
    }

    @Test func everyPartOfTheHealthcheckShows() throws {
        let old = try Self.base()
        for change: (inout Healthcheck) throws -> Void in [
            { $0.path = try HTTPPath(parsing: "/ready") }, { $0.interval = try SpecDuration(parsing: "3s") },
            { $0.timeout = try SpecDuration(parsing: "4s") }, { $0.healthyThreshold = 5 }, { $0.deadline = try SpecDuration(parsing: "9m") },
        ] {
            var new = old
            try change(&new.template.healthcheck)
            let line = try #require(new.changes(from: old).first)
            let sides = line.dropFirst("healthcheck: ".count).components(separatedBy: " → ")
            #expect(sides.count == 2 && sides[0] != sides[1], "\(line)")
        }
    }

    @Test func noValueIsShownAndNothingChangedIsNoLine() throws {
        let old = try Self.base()
        #expect(old.changes(from: old).isEmpty)
        var new = old
        new.template.env[try EnvVarName(parsing: "A")] = "another-value"
        new.template.env[try EnvVarName(parsing: "B")] = "b-value"
        let text = new.changes(from: old).joined(separator: "\n")
        #expect(text == "env A: changed\nenv B: added")
        #expect(!text.contains("value"))
        #expect(new.changes(from: nil).first?.hasPrefix("new environment: image ") == true)
    }
}
