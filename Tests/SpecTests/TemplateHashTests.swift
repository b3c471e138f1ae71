import Spec
import Testing

@Suite struct TemplateHashTests {
    static let reference = """
        project: shop
        team: acme
        image: registry.example.com/acme/shop:1
        port: 3000
        command: [node, server.js]
        env: { A: "1", B: two }
        resources: { memory: 512m, cpus: 1 }
        healthcheck: { path: /health, interval: 1s, timeout: 2s, healthyThreshold: 2, deadline: 120s }
        environments:
          production: { domains: [shop.example.com] }

        """

    static func hash(_ yaml: String) throws -> String {
        let spec = try SpecLoader.load(yaml, file: "codeb.yaml")
        return try #require(spec.environments[.production]).template.hash
    }

    /// Spellings that mean the same container.
    static let equivalents: [(String, String)] = [
        ("comments", reference.replacingOccurrences(of: "port: 3000", with: "# the app port\nport: 3000 # http")),
        ("key order", reference.replacingOccurrences(of: "env: { A: \"1\", B: two }", with: "env: { B: two, A: \"1\" }")),
        ("quoting", reference.replacingOccurrences(of: "command: [node, server.js]", with: "command: ['node', \"server.js\"]")),
        ("memory in bytes", reference.replacingOccurrences(of: "memory: 512m", with: "memory: 536870912")),
        ("memory in Mi", reference.replacingOccurrences(of: "memory: 512m", with: "memory: 512Mi")),
        ("cpus as decimal", reference.replacingOccurrences(of: "cpus: 1", with: "cpus: 1.0")),
        ("deadline in minutes", reference.replacingOccurrences(of: "deadline: 120s", with: "deadline: 2m")),
        ("interval in ms", reference.replacingOccurrences(of: "interval: 1s", with: "interval: 1000ms")),
        ("block style", reference.replacingOccurrences(of: "env: { A: \"1\", B: two }", with: "env:\n  A: 1\n  B: \"two\"")),
        ("defaults written out", reference.replacingOccurrences(of: "healthcheck: { path: /health, interval: 1s, timeout: 2s, healthyThreshold: 2, deadline: 120s }", with: "")),
        ("set in the environment", reference
            .replacingOccurrences(of: "port: 3000\n", with: "")
            .replacingOccurrences(of: "production: { domains: [shop.example.com] }", with: "production: { domains: [shop.example.com], port: 3000 }")),
        ("not-hashed fields changed", reference.replacingOccurrences(of: "port: 3000", with: "port: 3000\ngrace: 1h\npromote: manual\nstopTimeout: 5s")),
        ("another domain", reference.replacingOccurrences(of: "[shop.example.com]", with: "[shop.example.com, www.shop.example.com]")),
    ]

    @Test(arguments: equivalents.map(\.0))
    func equivalentSpellingsHashTheSame(_ name: String) throws {
        let variant = try #require(Self.equivalents.first { $0.0 == name }).1
        #expect(try Self.hash(variant) == Self.hash(Self.reference))
    }

    @Test func familiarImageNamesHashLikeTheirFullForm() throws {
        let short = Self.reference.replacingOccurrences(of: "registry.example.com/acme/shop:1", with: "nginx")
        let full = Self.reference.replacingOccurrences(of: "registry.example.com/acme/shop:1", with: "docker.io/library/nginx:latest")
        #expect(try Self.hash(short) == Self.hash(full))
    }

    /// A change to any template field changes the hash.
    static let changes: [(String, String, String)] = [
        ("image tag", "shop:1", "shop:2"),
        ("image registry", "registry.example.com", "registry2.example.com"),
        ("command", "command: [node, server.js]", "command: [node, other.js]"),
        ("command removed", "command: [node, server.js]\n", ""),
        ("env value", "B: two", "B: three"),
        ("env added", "B: two", "B: two, C: x"),
        ("env name", "B: two", "C: two"),
        ("port", "port: 3000", "port: 3001"),
        ("memory", "memory: 512m", "memory: 513m"),
        ("cpus", "cpus: 1", "cpus: 1.001"),
        ("health path", "path: /health", "path: /healthz"),
        ("health interval", "interval: 1s", "interval: 2s"),
        ("health timeout", "timeout: 2s", "timeout: 3s"),
        ("healthy threshold", "healthyThreshold: 2", "healthyThreshold: 3"),
        ("health deadline", "deadline: 120s", "deadline: 121s"),
    ]

    @Test(arguments: changes.map(\.0))
    func anyTemplateFieldChangesTheHash(_ name: String) throws {
        let (_, old, new) = try #require(Self.changes.first { $0.0 == name })
        #expect(Self.reference.contains(old))
        let changed = Self.reference.replacingOccurrences(of: old, with: new)
        #expect(try Self.hash(changed) != Self.hash(Self.reference))
    }

    @Test func anEmptyCommandListDiffersFromNoCommand() throws {
        let image = try ImageReference(parsing: "app")
        let none = SlotTemplate(image: image, command: nil, port: try Port(80))
        let empty = SlotTemplate(image: image, command: [], port: try Port(80))
        #expect(none.hash != empty.hash)
    }

    /// The hash is what running containers carry: it must not drift between codeb versions by accident.
    @Test func theHashOfAFixedTemplateIsStable() throws {
        let template = SlotTemplate(
            image: try ImageReference(parsing: "codeb-test/web:1"),
            env: [try EnvVarName(parsing: "A"): "1"],
            port: try Port(8080)
        )
        #expect(String(decoding: template.canonicalJSON, as: UTF8.self) == #"{"env":{"A":"1"},"healthDeadlineMs":120000,"healthIntervalMs":1000,"healthPath":"/health","healthTimeoutMs":2000,"healthyThreshold":2,"image":"docker.io/codeb-test/web:1","memoryBytes":536870912,"millicpus":1000,"port":8080,"version":1}"#)
        #expect(template.hash.hasPrefix("sha256:"))
        #expect(template.hash.count == 7 + 64)
        #expect(template.shortHash.count == 12)
        #expect(template.hash.hasSuffix(template.hash.dropFirst(7)))
    }
}
