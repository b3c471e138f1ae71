import Foundation
import Spec
import Testing

/// `resources.pids`: the container's pids limit, 1024 unless the spec says otherwise.
@Suite struct ResourcesPidsTests {
    static func spec(_ resources: String) -> String {
        """
        project: shop
        team: acme
        image: registry.example.com/acme/shop:1
        port: 3000
        \(resources)
        environments:
          production: { domains: [shop.example.com] }
          staging: { domains: [staging.shop.example.com], resources: { pids: 4096 } }

        """
    }

    static func load(_ yaml: String) throws -> Spec {
        try SpecLoader.load(yaml, file: "codeb.yaml", variables: Variables([:]))
    }

    @Test func pidsDefaultTo1024AndAnEnvironmentMaySetItsOwn() throws {
        let spec = try Self.load(Self.spec("resources: { memory: 256m }"))
        let production = try #require(spec.environments[.production])
        let staging = try #require(spec.environments[.staging])
        #expect(production.template.resources.pids == 1024)
        #expect(staging.template.resources.pids == 4096 && staging.template.resources.memory == production.template.resources.memory)
    }

    @Test func theDefaultLeavesTheTemplateHashAsItWasAndAnotherValueChangesIt() throws {
        let spec = try Self.load(Self.spec("resources: { memory: 256m }"))
        let production = try #require(spec.environments[.production])
        // Templates hashed before the limit existed keep their hash: no redeploy on upgrade.
        #expect(!String(decoding: production.template.canonicalJSON, as: UTF8.self).contains("pids"))
        var raised = production.template
        raised.resources.pids = 2048
        #expect(raised.hash != production.template.hash)
    }

    @Test func aRevisionStoredBeforePidsExistedDecodesWithTheDefault() throws {
        var fields = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(Resources(memory: .megabytes(256), pids: 99))) as? [String: Any])
        #expect(fields.removeValue(forKey: "pids") != nil)
        let resources = try JSONDecoder().decode(Resources.self, from: JSONSerialization.data(withJSONObject: fields))
        #expect(resources.pids == 1024 && resources.memory == .megabytes(256))
    }

    @Test(arguments: ["pids: 8", "pids: 100000", "pids: lots", "pids: '64'"])
    func aPidsLimitOutOfRangeIsALocatedError(_ field: String) throws {
        let error = #expect(throws: SpecError.self) { try Self.load(Self.spec("resources: { \(field) }")) }
        let problem = try #require(error?.problems.first)
        #expect(problem.path == "resources.pids", "\(problem)")
        #expect(problem.line == 5, "\(problem)")
    }
}
