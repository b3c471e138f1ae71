@testable import Spec
import Testing

/// `services:` — an environment's backing services: the issue's example is read with its
/// defaults, an environment's list replaces the top level's, every bad value is a located sentence.
@Suite struct ServicesSpecTests {
    static func load(_ services: String, environment: String = "{ domains: [shop.example.com] }") throws -> EnvironmentSpec? {
        let spec = try SpecLoader.load("""
            project: shop
            team: acme
            image: registry.example.com/acme/shop:1
            port: 3000
            \(services)
            environments:
              production: \(environment)
            """, file: "codeb.yaml")
        return spec.environment(named: .production)
    }

    static let example = """
        services:
          cache: { image: redis:7, port: 6379, volume: /data }
          db:
            image: postgres:16
            port: 5432
            volume: /var/lib/postgresql/data
            env: { POSTGRES_DB: app }
            generated-secrets: [POSTGRES_PASSWORD]
            backup: { every: 24h, keep: 7 }
        """

    @Test func theIssuesExampleIsReadAndTheAppsVariablesFollowTheNames() throws {
        let services = try #require(try Self.load(Self.example)?.services)
        #expect(services.map(\.name.value) == ["cache", "db"])
        let cache = services[0], db = services[1]
        #expect(cache.image.description == "redis:7" && cache.port.value == 6379 && cache.volume == "/data" && cache.backup == nil)
        #expect(cache.memory == ServiceSpec.defaultMemory && cache.cpus == ServiceSpec.defaultCPUs)
        #expect(db.env.map { "\($0.key.value)=\($0.value)" } == ["POSTGRES_DB=app"])
        #expect(db.generatedSecrets.map(\.value) == ["POSTGRES_PASSWORD"])
        #expect(db.backup == BackupPolicy(every: .hours(24), keep: 7))
        #expect(cache.injectedVariables == ["CACHE_HOST", "CACHE_PORT"])
        #expect(db.injectedVariables == ["DB_HOST", "DB_PORT", "DB_POSTGRES_PASSWORD"])
        #expect(try Self.load("")?.services == [], "no services")
    }

    @Test func anEnvironmentReplacesTheTopLevelsServicesAsAWhole() throws {
        let environment = try #require(try Self.load(Self.example, environment: "{ domains: [shop.example.com], services: { sessions: { image: redis:7, port: 6379 } } }"))
        #expect(environment.services.map(\.name.value) == ["sessions"])
        #expect(environment.services[0].injectedVariables == ["SESSIONS_HOST", "SESSIONS_PORT"])
    }

    @Test(arguments: [
        ("services: { cache: { image: redis:7 } }", "needs an `image` and a `port`"),
        ("services: { Cache: { image: redis:7, port: 6379 } }", "a service name"),
        ("services: { cache: { image: redis:7, port: 70000 } }", "port"),
        ("services: { cache: { image: redis:7, port: 6379, volume: data } }", "absolute path"),
        ("services: { cache: { image: redis:7, port: 6379, volume: /data/../etc } }", "absolute path"),
        ("services: { db: { image: postgres:16, port: 5432, env: { PW: x }, generated-secrets: [PW] } }", "also in the service's `env`"),
        ("services: { db: { image: postgres:16, port: 5432, backup: { keep: 3 } } }", "has no `every`"),
        ("services: { db: { image: postgres:16, port: 5432, backup: { every: 1m } } }", "must be from 5m"),
        ("services: { cache: { image: redis:7, port: 6379, volumes: /data } }", "volume"),
        ("services: [redis]", "services"),
    ])
    func aBadServiceIsALocatedSentence(_ services: String, _ expected: String) throws {
        let error = #expect(throws: SpecError.self) { try Self.load(services) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(expected) && text.contains("services"), "\(text)")
    }
}
