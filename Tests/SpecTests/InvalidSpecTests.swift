import Spec
import Testing

/// One invalid spec and where its first problem must be reported.
struct InvalidCase: CustomTestStringConvertible, Sendable {
    static let base = """
        project: shop
        team: acme
        image: app:1
        port: 3000
        environments:
          production:
            domains: [shop.example.com]
          staging:
            domains: [staging.shop.example.com]

        """

    var name: String
    var yaml: String
    var path: String
    var line: Int

    /// `base` with `old` replaced by `new`.
    init(_ name: String, swap old: String, with new: String, path: String, line: Int) {
        precondition(Self.base.contains(old), "\(old) is not in the base spec")
        self.name = name
        self.yaml = Self.base.replacingOccurrences(of: old, with: new)
        self.path = path
        self.line = line
    }

    init(_ name: String, yaml: String, path: String, line: Int) {
        self.name = name
        self.yaml = yaml
        self.path = path
        self.line = line
    }

    var testDescription: String { name }
}

extension String {
    func replacingOccurrences(of old: String, with new: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: old) {
            result += rest[..<range.lowerBound] + new
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

let invalidCases: [InvalidCase] = [
    // Project and team names: hostile characters never reach container names or Caddy files.
    .init("project upper case", swap: "project: shop", with: "project: Shop", path: "project", line: 1),
    .init("project semicolon", swap: "project: shop", with: "project: shop;rm", path: "project", line: 1),
    .init("project space", swap: "project: shop", with: "project: \"sh op\"", path: "project", line: 1),
    .init("project leading dash", swap: "project: shop", with: "project: -shop", path: "project", line: 1),
    .init("project trailing dash", swap: "project: shop", with: "project: shop-", path: "project", line: 1),
    .init("project too long", swap: "project: shop", with: "project: \(String(repeating: "a", count: 33))", path: "project", line: 1),
    .init("project braces", swap: "project: shop", with: "project: \"shop{x}\"", path: "project", line: 1),
    .init("project quote", swap: "project: shop", with: "project: 'sh\"op'", path: "project", line: 1),
    .init("project non-ASCII", swap: "project: shop", with: "project: shöp", path: "project", line: 1),
    .init("project dot-dot", swap: "project: shop", with: "project: ../etc", path: "project", line: 1),
    .init("project slash", swap: "project: shop", with: "project: a/b", path: "project", line: 1),
    .init("project newline", swap: "project: shop", with: "project: \"shop\\nx\"", path: "project", line: 1),
    .init("project a list", swap: "project: shop", with: "project: [shop]", path: "project", line: 1),
    .init("project empty", swap: "project: shop", with: "project:", path: "project", line: 1),
    .init("project missing", swap: "project: shop\n", with: "", path: "project", line: 1),
    .init("team upper case", swap: "team: acme", with: "team: Acme", path: "team", line: 2),
    .init("team underscore", swap: "team: acme", with: "team: ac_me", path: "team", line: 2),
    .init("team empty string", swap: "team: acme", with: "team: \"\"", path: "team", line: 2),
    // Images.
    .init("image upper-case path", swap: "image: app:1", with: "image: App:1", path: "image", line: 3),
    .init("image with space", swap: "image: app:1", with: "image: \"app:1 ;rm -rf\"", path: "image", line: 3),
    .init("image with scheme", swap: "image: app:1", with: "image: https://reg.example.com/app", path: "image", line: 3),
    .init("image bad digest", swap: "image: app:1", with: "image: app@sha256:xyz", path: "image", line: 3),
    .init("image bad tag", swap: "image: app:1", with: "image: app:-x", path: "image", line: 3),
    .init("image empty path part", swap: "image: app:1", with: "image: reg.example.com//app", path: "image", line: 3),
    .init("image unset variable", swap: "image: app:1", with: "image: app:${CODEB_TEST_UNSET_SHA}", path: "image", line: 3),
    .init("image unbraced variable", swap: "image: app:1", with: "image: app:$GIT_SHA", path: "image", line: 3),
    .init("image unterminated variable", swap: "image: app:1", with: "image: app:${GIT", path: "image", line: 3),
    .init("image bad variable name", swap: "image: app:1", with: "image: app:${1X}", path: "image", line: 3),
    // Ports.
    .init("port zero", swap: "port: 3000", with: "port: 0", path: "port", line: 4),
    .init("port too high", swap: "port: 3000", with: "port: 70000", path: "port", line: 4),
    .init("port negative", swap: "port: 3000", with: "port: -1", path: "port", line: 4),
    .init("port quoted", swap: "port: 3000", with: "port: \"3000\"", path: "port", line: 4),
    .init("port word", swap: "port: 3000", with: "port: http", path: "port", line: 4),
    .init("port a list", swap: "port: 3000", with: "port: [3000]", path: "port", line: 4),
    .init("port fraction", swap: "port: 3000", with: "port: 30.5", path: "port", line: 4),
    // Unknown and misplaced keys.
    .init("misspelt healthcheck", swap: "port: 3000", with: "port: 3000\nhelthcheck: {}", path: "helthcheck", line: 5),
    .init("misspelt port", swap: "port: 3000", with: "ports: 3000", path: "ports", line: 4),
    .init("snake-case key", swap: "port: 3000", with: "port: 3000\nstop_timeout: 5s", path: "stop_timeout", line: 5),
    .init("top-level domains", swap: "port: 3000", with: "port: 3000\ndomains: [a.example.com]", path: "domains", line: 5),
    .init("duplicate key", swap: "port: 3000", with: "port: 3000\nport: 3001", path: "", line: 4),
    .init("duplicate key quoted", swap: "port: 3000", with: "port: 3000\n\"port\": 3001", path: "", line: 4),
    .init("merge key", swap: "port: 3000", with: "port: 3000\n<<: {}", path: "\"<<\"", line: 5),
    .init("project in environment", swap: "    domains: [shop.example.com]", with: "    project: other\n    domains: [shop.example.com]", path: "environments.production.project", line: 7),
    // Domains.
    .init("domain upper case", swap: "[shop.example.com]", with: "[Shop.example.com]", path: "environments.production.domains[0]", line: 7),
    .init("domain with scheme", swap: "[shop.example.com]", with: "[\"https://shop.example.com\"]", path: "environments.production.domains[0]", line: 7),
    .init("domain with port", swap: "[shop.example.com]", with: "[\"shop.example.com:8080\"]", path: "environments.production.domains[0]", line: 7),
    .init("domain with path", swap: "[shop.example.com]", with: "[shop.example.com/admin]", path: "environments.production.domains[0]", line: 7),
    .init("domain dot-dot", swap: "[shop.example.com]", with: "[shop..example.com]", path: "environments.production.domains[0]", line: 7),
    .init("domain trailing dot", swap: "[shop.example.com]", with: "[shop.example.com.]", path: "environments.production.domains[0]", line: 7),
    .init("domain with space", swap: "[shop.example.com]", with: "[\"shop example.com\"]", path: "environments.production.domains[0]", line: 7),
    .init("domain with braces", swap: "[shop.example.com]", with: "[\"shop{}.example.com\"]", path: "environments.production.domains[0]", line: 7),
    .init("domain with semicolon", swap: "[shop.example.com]", with: "[\"a;b.example.com\"]", path: "environments.production.domains[0]", line: 7),
    .init("domain with quote", swap: "[shop.example.com]", with: "['a\"b.example.com']", path: "environments.production.domains[0]", line: 7),
    .init("domain leading dash", swap: "[shop.example.com]", with: "[-shop.example.com]", path: "environments.production.domains[0]", line: 7),
    .init("domain single label", swap: "[shop.example.com]", with: "[shop]", path: "environments.production.domains[0]", line: 7),
    .init("domain non-ASCII", swap: "[shop.example.com]", with: "[shöp.example.com]", path: "environments.production.domains[0]", line: 7),
    .init("domain with newline", swap: "[shop.example.com]", with: "[\"shop.example.com\\nimport /etc\"]", path: "environments.production.domains[0]", line: 7),
    .init("second domain invalid", swap: "[shop.example.com]", with: "[shop.example.com, \"x y\"]", path: "environments.production.domains[1]", line: 7),
    .init("domains a string", swap: "[shop.example.com]", with: "shop.example.com", path: "environments.production.domains", line: 7),
    .init("domain in two environments", swap: "[staging.shop.example.com]", with: "[shop.example.com]", path: "environments.staging.domains[0]", line: 9),
    .init("domains on preview", swap: "  staging:", with: "  preview:", path: "environments.preview.domains", line: 9),
    // Environments.
    .init("environments a list", swap: "environments:\n  production:\n    domains: [shop.example.com]\n  staging:\n    domains: [staging.shop.example.com]\n", with: "environments: [production]\n", path: "environments", line: 5),
    .init("environments empty", swap: "environments:\n  production:\n    domains: [shop.example.com]\n  staging:\n    domains: [staging.shop.example.com]\n", with: "environments: {}\n", path: "environments", line: 5),
    .init("environments missing", swap: "environments:\n  production:\n    domains: [shop.example.com]\n  staging:\n    domains: [staging.shop.example.com]\n", with: "", path: "environments", line: 1),
    .init("environment misspelt", swap: "  production:", with: "  prod:", path: "environments.prod", line: 6),
    .init("environment unknown", swap: "  staging:", with: "  qa:", path: "environments.qa", line: 8),
    .init("preview instance listed", swap: "  staging:\n    domains: [staging.shop.example.com]", with: "  preview-pr-1: {}", path: "environments.preview-pr-1", line: 8),
    .init("environment without image", swap: "image: app:1\n", with: "", path: "environments.production", line: 5),
    .init("environment without port", swap: "port: 3000\n", with: "", path: "environments.production", line: 5),
    // env.
    .init("env name with equals", swap: "port: 3000", with: "port: 3000\nenv: { \"A=B\": x }", path: "env.\"A=B\"", line: 5),
    .init("env name starts with digit", swap: "port: 3000", with: "port: 3000\nenv: { 1ABC: x }", path: "env.1ABC", line: 5),
    .init("env name with space", swap: "port: 3000", with: "port: 3000\nenv: { \"A B\": x }", path: "env.\"A B\"", line: 5),
    .init("env value a mapping", swap: "port: 3000", with: "port: 3000\nenv:\n  FOO: { a: 1 }", path: "env.FOO", line: 6),
    .init("env value null", swap: "port: 3000", with: "port: 3000\nenv:\n  FOO:", path: "env.FOO", line: 6),
    .init("env value with NUL", swap: "port: 3000", with: "port: 3000\nenv: { FOO: \"a\\0b\" }", path: "env.FOO", line: 5),
    .init("env a list", swap: "port: 3000", with: "port: 3000\nenv: [A=1]", path: "env", line: 5),
    // Resources.
    .init("memory bad unit", swap: "port: 3000", with: "port: 3000\nresources: { memory: 512x }", path: "resources.memory", line: 5),
    .init("memory in bytes too small", swap: "port: 3000", with: "port: 3000\nresources: { memory: 512 }", path: "resources.memory", line: 5),
    .init("memory negative", swap: "port: 3000", with: "port: 3000\nresources: { memory: -1g }", path: "resources.memory", line: 5),
    .init("cpus zero", swap: "port: 3000", with: "port: 3000\nresources: { cpus: 0 }", path: "resources.cpus", line: 5),
    .init("cpus four decimals", swap: "port: 3000", with: "port: 3000\nresources: { cpus: 1.2345 }", path: "resources.cpus", line: 5),
    .init("cpus word", swap: "port: 3000", with: "port: 3000\nresources: { cpus: two }", path: "resources.cpus", line: 5),
    .init("resources unknown key", swap: "port: 3000", with: "port: 3000\nresources: { memroy: 1g }", path: "resources.memroy", line: 5),
    // Health check, promote, durations.
    .init("interval without unit", swap: "port: 3000", with: "port: 3000\nhealthcheck: { interval: 5 }", path: "healthcheck.interval", line: 5),
    .init("timeout fraction", swap: "port: 3000", with: "port: 3000\nhealthcheck: { timeout: 1.5s }", path: "healthcheck.timeout", line: 5),
    .init("health path without slash", swap: "port: 3000", with: "port: 3000\nhealthcheck: { path: health }", path: "healthcheck.path", line: 5),
    .init("health path with space", swap: "port: 3000", with: "port: 3000\nhealthcheck: { path: \"/he alth\" }", path: "healthcheck.path", line: 5),
    .init("healthy threshold zero", swap: "port: 3000", with: "port: 3000\nhealthcheck: { healthyThreshold: 0 }", path: "healthcheck.healthyThreshold", line: 5),
    .init("deadline too short to pass", swap: "port: 3000", with: "port: 3000\nhealthcheck:\n  interval: 1s\n  healthyThreshold: 5\n  deadline: 2s", path: "healthcheck.deadline", line: 8),
    .init("timeout longer than deadline", swap: "port: 3000", with: "port: 3000\nhealthcheck:\n  timeout: 30s\n  deadline: 10s", path: "healthcheck.deadline", line: 7),
    .init("promote unknown", swap: "port: 3000", with: "port: 3000\npromote: automatic", path: "promote", line: 5),
    .init("grace word", swap: "port: 3000", with: "port: 3000\ngrace: forever", path: "grace", line: 5),
    .init("grace negative", swap: "port: 3000", with: "port: 3000\ngrace: -1h", path: "grace", line: 5),
    .init("grace too long", swap: "port: 3000", with: "port: 3000\ngrace: 1000d", path: "grace", line: 5),
    .init("stop timeout not whole seconds", swap: "port: 3000", with: "port: 3000\nstopTimeout: 1500ms", path: "stopTimeout", line: 5),
    // Nodes.
    .init("nodes a string", swap: "port: 3000", with: "port: 3000\nnodes: app-1", path: "nodes", line: 5),
    .init("nodes empty", swap: "port: 3000", with: "port: 3000\nnodes: []", path: "nodes", line: 5),
    .init("node upper case", swap: "port: 3000", with: "port: 3000\nnodes: [App-1]", path: "nodes[0]", line: 5),
    .init("node with a dot", swap: "port: 3000", with: "port: 3000\nnodes: [app-1.example.com]", path: "nodes[0]", line: 5),
    .init("node twice", swap: "port: 3000", with: "port: 3000\nnodes: [app-1, app-1]", path: "nodes[1]", line: 5),
    // Command.
    .init("command a string", swap: "port: 3000", with: "port: 3000\ncommand: node server.js", path: "command", line: 5),
    .init("command empty", swap: "port: 3000", with: "port: 3000\ncommand: []", path: "command", line: 5),
    .init("command nested list", swap: "port: 3000", with: "port: 3000\ncommand: [[node]]", path: "command[0]", line: 5),
    // Whole documents.
    .init("a list", yaml: "- project: shop\n", path: "", line: 1),
    .init("a scalar", yaml: "hello\n", path: "", line: 1),
    .init("YAML syntax error", yaml: "project: shop\nteam: [acme\n", path: "", line: 3),
    .init("tab indentation", yaml: "project: shop\nenvironments:\n\tproduction: {}\n", path: "", line: 3),
    .init("two documents", yaml: "project: a\n---\nproject: b\n", path: "", line: 2),
    .init("empty file", yaml: "", path: "", line: 1),
    .init("only a comment", yaml: "# nothing here\n", path: "", line: 1),
    .init("undefined alias", yaml: "project: *nope\n", path: "", line: 1),
]

@Suite struct InvalidSpecTests {
    @Test func theTableIsLargeEnough() {
        #expect(invalidCases.count >= 40)
    }

    @Test(arguments: invalidCases)
    func firstProblemIsLocated(_ invalid: InvalidCase) throws {
        let error = #expect(throws: SpecError.self) {
            try SpecLoader.load(invalid.yaml, file: "codeb.yaml")
        }
        let first = try #require(error?.problems.first)
        #expect(first.path == invalid.path, "\(first)")
        #expect(first.line == invalid.line, "\(first)")
        #expect(first.file == "codeb.yaml")
        #expect(!first.message.isEmpty)
        #expect(first.description.hasPrefix("codeb.yaml:\(invalid.line):\(first.column): "))
    }
}
