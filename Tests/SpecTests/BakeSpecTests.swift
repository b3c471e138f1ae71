@testable import Spec
import Testing

/// `bake:` — how a new revision's traffic is judged after its switch: read with its defaults,
/// replaced as a whole by an environment, every bad value a located sentence.
@Suite struct BakeSpecTests {
    static func load(_ bake: String, environment: String = "{ domains: [shop.example.com] }") throws -> EnvironmentSpec? {
        let spec = try SpecLoader.load("""
            project: shop
            team: acme
            image: registry.example.com/acme/shop:1
            port: 3000
            \(bake)
            environments:
              production: \(environment)
            """, file: "codeb.yaml")
        return spec.environment(named: .production)
    }

    @Test func theIssuesExampleIsReadAndTheDefaultsFillTheRest() throws {
        let full = try #require(try Self.load("bake: { for: 5m, max-error-rate: 2%, max-p95: 800ms, min-requests: 50 }")?.bake)
        #expect(full == BakePolicy(duration: .minutes(5), maxErrorRateBasisPoints: 200, maxP95: .init(milliseconds: 800), minRequests: 50))
        let short = try #require(try Self.load("bake: { for: 90s, max-error-rate: 0.5% }")?.bake)
        #expect(short.maxErrorRateBasisPoints == 50 && short.minRequests == 50 && short.maxP95 == nil)
        #expect(short.maxErrorRate == 0.005)
        #expect(try Self.load("")?.bake == nil, "no bake: not watched")
    }

    @Test func anEnvironmentReplacesTheTopLevelsBakeAsAWhole() throws {
        let environment = try #require(try Self.load("bake: { for: 5m, max-p95: 1s }", environment: "{ domains: [shop.example.com], bake: { for: 1m } }"))
        #expect(environment.bake == BakePolicy(duration: .minutes(1)))
    }

    @Test(arguments: [
        ("bake: { max-error-rate: 2% }", "has no `for`"),
        ("bake: { for: 1s }", "must be from 10s"),
        ("bake: { for: 5m, max-error-rate: 2 }", "percentage"),
        ("bake: { for: 5m, max-error-rate: 101% }", "from 0% to 100%"),
        ("bake: { for: 5m, max-error-rate: 0.125% }", "at most two decimals"),
        ("bake: { for: 5m, min-requests: 0 }", "min-requests"),
        ("bake: { for: 5m, max_p95: 1s }", "max_p95"),
    ])
    func aBadBakeIsALocatedSentence(_ bake: String, _ expected: String) throws {
        let error = #expect(throws: SpecError.self) { try Self.load(bake) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(expected) && text.contains("bake"), "\(text)")
    }

    @Test(arguments: [(200, "2%"), (50, "0.5%"), (1225, "12.25%"), (5, "0.05%"), (10_000, "100%")])
    func percentagesReadAndWriteAlike(_ basisPoints: Int, _ text: String) throws {
        #expect(BakePolicy.percentText(basisPoints) == text)
        #expect(try BakePolicy.basisPoints(parsing: text) == basisPoints)
    }
}
