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

    @Test func theAppRunsWithItsServicesAddressesAndTheirGeneratedSecrets() throws {
        let template = try #require(try Self.load(Self.example)?.template)
        #expect(template.env.filter { $0.key.value.hasPrefix("CACHE_") || $0.key.value.hasPrefix("DB_") }.map { "\($0.key.value)=\($0.value)" }.sorted()
            == ["CACHE_HOST=cache", "CACHE_PORT=6379", "DB_HOST=db", "DB_PORT=5432"])
        #expect(template.secrets.map(\.value) == ["DB_POSTGRES_PASSWORD"], "a generated value is bound like a secret")
        let without = try #require(try Self.load("")?.template)
        #expect(template.hash != without.hash, "a new service rolls the app out")
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
        ("services: { blue: { image: redis:7, port: 6379 } }", "reads like a slot's container name"),
        ("services: { shop-production-green: { image: redis:7, port: 6379 } }", "reads like a slot's container name"),
        ("services: { 1cache: { image: redis:7, port: 6379 } }", "starts with a letter"),
        ("env: { CACHE_HOST: x }\nservices: { cache: { image: redis:7, port: 6379 } }", "codeb gives the app `CACHE_HOST`"),
        ("secrets: [DB_POSTGRES_PASSWORD]\nservices: { db: { image: postgres:16, port: 5432, generated-secrets: [POSTGRES_PASSWORD] } }", "codeb gives the app `DB_POSTGRES_PASSWORD`"),
    ])
    func aBadServiceIsALocatedSentence(_ services: String, _ expected: String) throws {
        let error = #expect(throws: SpecError.self) { try Self.load(services) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(expected) && text.contains("services"), "\(text)")
    }
}
