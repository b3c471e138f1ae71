import Foundation
import Spec
import Testing

@Suite struct SpecLoaderTests {
    static let full = """
        # The design document's example, with variables.
        project: shop
        team: acme
        image: registry.example.com/acme/shop:${GIT_SHA}
        port: 3000
        command: ["node", "server.js"]
        env: { NODE_ENV: production, LOG: json }
        resources: { memory: 512m, cpus: 1 }
        healthcheck: { path: /health, interval: 1s, timeout: 2s, healthyThreshold: 2, deadline: 120s }
        promote: auto
        grace: 48h
        stopTimeout: 30s
        environments:
          production: { domains: [shop.example.com, www.shop.example.com] }
          staging:
            domains: [staging.shop.example.com]
            env: { NODE_ENV: staging }
            resources: { cpus: 0.5 }
            healthcheck: { path: /ready }
            promote: manual
          preview:
            grace: 1h

        """

    func load(_ yaml: String, _ variables: [String: String] = ["GIT_SHA": "abc123"]) throws -> Spec {
        try SpecLoader.load(yaml, file: "codeb.yaml", variables: Variables(variables))
    }

    @Test func loadsTheDesignExampleIntoTypedValues() throws {
        let spec = try load(Self.full)
        #expect(spec.project.value == "shop")
        #expect(spec.team.value == "acme")
        #expect(spec.environments.count == 3)
        let production = try #require(spec.environments[.production])
        #expect(production.template.image.description == "registry.example.com/acme/shop:abc123")
        #expect(production.template.image.registry == "registry.example.com")
        #expect(production.template.image.repository == "acme/shop")
        #expect(production.template.image.tag == "abc123")
        #expect(production.template.port.value == 3000)
        #expect(production.template.command == ["node", "server.js"])
        #expect(production.template.resources.memory.bytes == 512 << 20)
        #expect(production.template.resources.cpus.nanoCPUs == 1_000_000_000)
        #expect(production.template.healthcheck.deadline.milliseconds == 120_000)
        #expect(production.domains.map(\.value) == ["shop.example.com", "www.shop.example.com"])
        #expect(production.promote == .auto)
        #expect(production.grace == .hours(48))
        #expect(production.stopTimeout == .seconds(30))
    }

    @Test func nodesAreInheritedAndAnEnvironmentMayNameItsOwn() throws {
        let yaml = Self.full.replacingOccurrences(of: "stopTimeout: 30s\n", with: "stopTimeout: 30s\nnodes: [app-1, app-2]\n")
            .replacingOccurrences(of: "    grace: 1h\n", with: "    grace: 1h\n    nodes: [build-1]\n")
        let spec = try load(yaml)
        let production = try #require(spec.environments[.production])
        #expect(production.nodes.map(\.value) == ["app-1", "app-2"])
        #expect(production.runs(on: try NodeName(parsing: "app-2")))
        #expect(!production.runs(on: try NodeName(parsing: "build-1")))
        #expect(try #require(spec.environments[.preview]).nodes.map(\.value) == ["build-1"])
        #expect(try #require(load(Self.full).environments[.production]).runs(on: try NodeName(parsing: "anywhere")), "no nodes: any host")
        #expect(production.template.hash == (try #require(load(Self.full).environments[.production])).template.hash, "placement is not part of the template")
    }

    @Test func environmentsInheritAndMergeTheTopLevel() throws {
        let staging = try #require(try load(Self.full).environments[.staging])
        // env merges key by key.
        #expect(staging.template.env.mapKeys() == ["LOG": "json", "NODE_ENV": "staging"])
        // resources merge field by field.
        #expect(staging.template.resources.memory == .megabytes(512))
        #expect(staging.template.resources.cpus.millicpus == 500)
        // healthcheck merges field by field.
        #expect(staging.template.healthcheck.path.value == "/ready")
        #expect(staging.template.healthcheck.interval == .seconds(1))
        // Scalars override.
        #expect(staging.promote == .manual)
        #expect(staging.grace == .hours(48))
        #expect(staging.template.image.tag == "abc123")
    }

    @Test func defaultsApplyWhenFieldsAreOmitted() throws {
        let spec = try load("""
            project: tiny
            team: t
            image: app
            port: 80
            environments:
              production:

            """)
        let production = try #require(spec.environments[.production])
        #expect(production.template.resources == Resources(memory: .megabytes(512), cpus: CPUCount(millicpus: 1000)))
        #expect(production.template.healthcheck == Healthcheck(
            path: try HTTPPath(parsing: "/health"), interval: .seconds(1), timeout: .seconds(2),
            healthyThreshold: 2, deadline: .seconds(120)))
        #expect(production.template.command == nil)
        #expect(production.template.env.isEmpty)
        #expect(production.template.image.description == "app:latest")
        #expect(production.promote == .auto)
        #expect(production.grace == .hours(48))
        #expect(production.stopTimeout == .seconds(30))
        #expect(production.domains.isEmpty)
    }

    @Test func jsonInputIsAccepted() throws {
        let json = """
            {"project": "shop", "team": "acme", "image": "app:1", "port": 3000,
             "resources": {"memory": "1g", "cpus": 1.5},
             "environments": {"production": {"domains": ["shop.example.com"]}}}
            """
        let production = try #require(try load(json).environments[.production])
        #expect(production.template.resources.memory.bytes == 1 << 30)
        #expect(production.template.resources.cpus.millicpus == 1500)
        #expect(production.domains.map(\.value) == ["shop.example.com"])
    }

    @Test func previewInstancesComeFromThePreviewBlock() throws {
        let spec = try load(Self.full)
        let name = try EnvironmentName(parsing: "preview-pr-42")
        let instance = try #require(spec.environment(named: name))
        #expect(instance.name == name)
        #expect(instance.grace == .hours(1))
        #expect(instance.domains.isEmpty)
        #expect(spec.environment(named: .preview) == nil, "the block itself is not deployable")
        #expect(spec.environment(named: .production)?.name == .production)
    }

    @Test func everyProblemIsReportedInDocumentOrder() throws {
        let yaml = """
            project: Shop
            team: acme
            image: app:1
            port: 0
            environments:
              production: { domains: [bad_domain.example.com] }

            """
        let error = #expect(throws: SpecError.self) { try load(yaml) }
        let problems = try #require(error?.problems)
        #expect(problems.map(\.path) == ["project", "port", "environments.production.domains[0]"])
        #expect(problems.map(\.line) == [1, 4, 6])
        #expect(problems[2].column == 27)
    }

    @Test func misspeltKeysGetASuggestion() throws {
        let error = #expect(throws: SpecError.self) {
            try load("project: a\nteam: b\nimage: x\nport: 1\nhelthcheck: {}\nenvironments: { prod: {} }\n")
        }
        let messages = error?.problems.map(\.message) ?? []
        #expect(messages.contains { $0.contains("did you mean `healthcheck`?") })
        #expect(messages.contains { $0.contains("did you mean `production`?") })
    }

    @Test func specRoundTripsThroughJSON() throws {
        let spec = try load(Self.full)
        let data = try JSONEncoder().encode(spec)
        let decoded = try JSONDecoder().decode(Spec.self, from: data)
        #expect(decoded == spec)
        #expect(decoded.environments[.staging]?.template.hash == spec.environments[.staging]?.template.hash)
    }
}

extension Dictionary where Key == EnvVarName {
    func mapKeys() -> [String: Value] {
        Dictionary<String, Value>(uniqueKeysWithValues: map { ($0.key.value, $0.value) })
    }
}
