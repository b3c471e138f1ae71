import Spec
import Testing

/// `secrets:` in codeb.yaml: names only, joined across the top level and an environment,
/// never also in `env`; the template hash covers the names and the pinned versions' digest.
@Suite struct SecretsSpecTests {
    static let base = """
        project: shop
        team: acme
        image: codeb-test/web:1
        port: 8080
        secrets: [DATABASE_URL]
        environments:
          production:
            domains: [shop.test]
            secrets: [STRIPE_KEY]
          staging: {}

        """

    @Test func namesAreJoinedAcrossTheTopLevelAndAnEnvironment() throws {
        let spec = try SpecLoader.load(Self.base, file: "codeb.yaml")
        #expect(spec.environments[.production]?.template.secrets.map(\.value) == ["DATABASE_URL", "STRIPE_KEY"])
        #expect(spec.environments[.staging]?.template.secrets.map(\.value) == ["DATABASE_URL"])
        #expect(spec.environments[.production]?.template.secretsBinding == nil)
    }

    @Test(arguments: [
        ("env: { DATABASE_URL: x }\n", "`DATABASE_URL` is in both `env` and `secrets`"),
        ("secrets: [A, A]\n", "`A` is listed twice"),
        ("secrets: [{ DATABASE_URL: postgres://x }]\n", "lists names only"),
        ("secrets: [\"1BAD\"]\n", "must not start with a digit"),
        ("secrets: DATABASE_URL\n", "secrets"),
    ])
    func badSecretsAreRefusedWithTheirCause(line: String, message: String) throws {
        let yaml = Self.base.replacingOccurrences(of: "secrets: [DATABASE_URL]\n", with: "secrets: [DATABASE_URL]\n" + line)
            .replacingOccurrences(of: "secrets: [DATABASE_URL]\nsecrets:", with: "secrets:")
        let error = #expect(throws: SpecError.self) { try SpecLoader.load(yaml, file: "codeb.yaml") }
        #expect(error?.problems.contains { $0.message.contains(message) } == true, "\(error?.problems.map(\.message) ?? [])")
    }

    @Test func aTemplateWithoutSecretsKeepsItsHash() throws {
        let plain = try SpecLoader.load(Self.base.replacingOccurrences(of: "secrets: [DATABASE_URL]\n", with: "").replacingOccurrences(of: "    secrets: [STRIPE_KEY]\n", with: ""), file: "codeb.yaml")
        let template = try #require(plain.environments[.production]?.template)
        #expect(!String(decoding: template.canonicalJSON, as: UTF8.self).contains("secrets"))
    }

    @Test func theHashFollowsThePinnedVersionsNeverAnythingElse() throws {
        var template = try #require(try SpecLoader.load(Self.base, file: "codeb.yaml").environments[.staging]?.template)
        let unbound = template.hash
        template.secretsBinding = SecretsBinding(pins: [try EnvVarName(parsing: "DATABASE_URL"): 1])
        let first = template.hash
        template.secretsBinding = SecretsBinding(pins: [try EnvVarName(parsing: "DATABASE_URL"): 2])
        let second = template.hash
        #expect(Set([unbound, first, second]).count == 3)
        template.secretsBinding = SecretsBinding(pins: [try EnvVarName(parsing: "DATABASE_URL"): 1])
        #expect(template.hash == first)
        #expect(SecretsBinding(pins: [try EnvVarName(parsing: "A"): 2]).changed(from: SecretsBinding(pins: [try EnvVarName(parsing: "A"): 1])).map(\.value) == ["A"])
    }
}
