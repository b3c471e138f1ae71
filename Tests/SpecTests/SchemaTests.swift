import Foundation
@testable import Spec
import Testing
import Yams

/// `schema/codeb.schema.json`, for editors (yaml-language-server): it accepts every example,
/// refuses structurally wrong specs, and names exactly the fields the loader accepts.
@Suite struct SchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Read afresh each time: `[String: Any]` is not `Sendable`, so it cannot be a shared constant.
    static var schema: [String: Any] {
        let data = try! Data(contentsOf: root.appending(path: "schema/codeb.schema.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
    static var validator: SchemaValidator { SchemaValidator(root: schema) }

    static let examples: [String] = {
        let directory = root.appending(path: "examples")
        return ((try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix("codeb.yaml") }.sorted()
    }()

    static func document(_ yaml: String) throws -> Any? { try Yams.load(yaml: yaml) }

    /// A parameterized test over no cases passes: make sure there are cases.
    @Test func theExamplesAreFound() {
        #expect(Self.examples.contains("hello/codeb.yaml") && Self.examples.contains("web-app/codeb.yaml"), "\(Self.examples)")
    }

    @Test(arguments: examples)
    func everyExampleValidates(_ path: String) throws {
        let text = try String(contentsOf: Self.root.appending(path: "examples").appending(path: path), encoding: .utf8)
        #expect(Self.validator.problems(try Self.document(text)) == [])
        // And the loader agrees: nothing the schema accepts here is refused.
        _ = try SpecLoader.load(text, file: path, variables: Variables(["GIT_SHA": "0123abc"]))
    }

    static let base = """
        project: shop
        team: acme
        image: registry.example.com/acme/shop:${GIT_SHA}
        port: 3000
        environments:
          production: { domains: [shop.example.com] }
          staging:
          preview: { grace: 1h }

        """

    @Test func theBaseSpecValidates() throws {
        #expect(Self.validator.problems(try Self.document(Self.base)) == [])
    }

    @Test(arguments: [
        ("unknown top-level key", "port: 3000", "port: 3000\nreplicas: 3", "unknown key `replicas`"),
        ("project upper case", "project: shop", "project: Shop", "project"),
        ("port as text", "port: 3000", "port: \"3000\"", "port"),
        ("port out of range", "port: 3000", "port: 70000", "port"),
        ("duration without unit", "port: 3000", "port: 3000\ngrace: 30", "grace"),
        ("promote unknown", "port: 3000", "port: 3000\npromote: sometimes", "promote"),
        ("command as a shell line", "port: 3000", "port: 3000\ncommand: node server.js", "command"),
        ("env name with a dash", "port: 3000", "port: 3000\nenv: { NODE-ENV: x }", "env key"),
        ("unknown resource", "port: 3000", "port: 3000\nresources: { disk: 1g }", "unknown key `disk`"),
        ("threshold zero", "port: 3000", "port: 3000\nhealthcheck: { healthyThreshold: 0 }", "healthyThreshold"),
        ("health path without slash", "port: 3000", "port: 3000\nhealthcheck: { path: health }", "path"),
        ("domains in preview", "preview: { grace: 1h }", "preview: { domains: [p.example.com] }", "unknown key `domains`"),
        ("unknown environment", "staging:", "qa:", "unknown key `qa`"),
        ("domain with a scheme", "[shop.example.com]", "[\"https://shop.example.com\"]", "domains[0]"),
        ("nodes empty", "port: 3000", "port: 3000\nnodes: []", "nodes"),
        ("node twice", "port: 3000", "port: 3000\nnodes: [a, a]", "nodes"),
        ("missing team", "team: acme\n", "", "`team` is required"),
    ])
    func structurallyWrongSpecsAreRefused(name: String, swap: String, with replacement: String, expected: String) throws {
        let yaml = Self.base.replacingOccurrences(of: swap, with: replacement)
        #expect(yaml != Self.base, "the fixture changed nothing")
        let problems = Self.validator.problems(try Self.document(yaml))
        #expect(problems.contains { $0.contains(expected) }, "\(name): \(problems)")
        // The loader refuses it too.
        #expect(throws: SpecError.self) { try SpecLoader.load(yaml, file: "codeb.yaml", variables: Variables(["GIT_SHA": "x"])) }
    }

    @Test func theSchemaNamesExactlyTheFieldsTheLoaderAccepts() throws {
        let properties = try #require(Self.schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(SpecLoader.topLevelKeys))
        let definitions = try #require(Self.schema["definitions"] as? [String: Any])
        let environment = try #require((definitions["environment"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(environment.keys) == Set(SpecLoader.environmentKeys))
        let preview = try #require((definitions["preview"] as? [String: Any])?["properties"] as? [String: Any])
        // A preview takes every environment key but `domains` (its names come from --preview-domain).
        #expect(Set(preview.keys) == Set(SpecLoader.environmentKeys).subtracting(["domains"]))
        let resources = try #require((properties["resources"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(resources.keys) == Set(SpecLayer.resourceKeys))
        let healthcheck = try #require((properties["healthcheck"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(healthcheck.keys) == Set(SpecLayer.healthcheckKeys))
        let environments = try #require((properties["environments"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(environments.keys) == Set(EnvironmentName.Kind.allCases.map { "\($0)" }))
    }
}
