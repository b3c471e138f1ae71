import Spec
import Testing

/// A local image ID names whatever sits in the host's image cache — perhaps another team's
/// private pull — so a spec may not use one as its image.
@Suite struct ImageIDRefusalTests {
    static let id = String(repeating: "3f", count: 32)

    @Test(arguments: ["sha256:\(id)", "SHA256:\(id.uppercased())", id])
    func aLocalImageIDIsALocatedError(_ image: String) throws {
        let yaml = "project: shop\nteam: acme\nimage: \"\(image)\"\nport: 3000\nenvironments:\n  production: { domains: [shop.example.com] }\n"
        let error = #expect(throws: SpecError.self) { try SpecLoader.load(yaml, file: "codeb.yaml", variables: Variables([:])) }
        let problem = try #require(error?.problems.first)
        #expect(problem.path == "image" && problem.line == 3, "\(problem)")
        #expect(problem.message.contains("is a local image ID"), "\(problem.message)")
    }

    @Test(arguments: ["registry.example.com/acme/shop@sha256:\(id)", "acme/shop:3f2a9c1b", "3f2a9c1b0abc"])
    func aPinnedDigestOrARepositoryNamedInHexIsStillAnImage(_ image: String) throws {
        #expect(try ImageReference(parsing: image).description.isEmpty == false)
    }
}
