@testable import Controller
import Foundation
import Spec
import State
import Testing
import TestSupport

/// Quotas count what an environment runs: both slots' memory, and its backing services.
struct TeamQuotaTests {
    static func spec(services: String = "") throws -> EnvironmentSpec {
        try #require(try SpecLoader.load("""
            project: shop
            team: acme
            image: codeb-test/web:1
            port: 8080
            resources: { memory: 256m, cpus: 0.5 }
            \(services)
            environments:
              production: { domains: [shop.test] }
            """, file: "codeb.yaml").environment(named: .production))
    }

    @Test func servicesCountTowardsTheMemoryAndCPUQuotas() throws {
        let key = EnvironmentKey(project: try ResourceName(parsing: "shop"), environment: .production)
        let team = try ResourceName(parsing: "acme")
        let plain = try Self.spec()
        let withDatabase = try Self.spec(services: "services: { db: { image: postgres:16, port: 5432, resources: { memory: 512m, cpus: 1 } } }")
        // Both slots: 2 × 256m = 512m fits 1000m; with a 512m database, 1024m does not.
        let memory = TeamQuota(memory: try ByteSize(parsing: "1000m"))
        try memory.check(plain, key: key, team: team, environments: [])
        let error = #expect(throws: StoreError.self) { try memory.check(withDatabase, key: key, team: team, environments: []) }
        #expect(error?.description.contains("for its services") == true, "\(error.map { "\($0)" } ?? "")")
        let cpus = TeamQuota(cpus: try CPUCount(parsing: "1"))
        try cpus.check(plain, key: key, team: team, environments: [])
        #expect(throws: StoreError.self) { try cpus.check(withDatabase, key: key, team: team, environments: []) }
    }
}
