import Foundation
import Spec
import Testing

/// Every example a team might copy must validate.
@Suite struct ExamplesTests {
    static let examples: [String] = {
        let directory = PackagePaths.root.appending(path: "examples")
        let contents = (try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? []
        return contents.filter { $0.hasSuffix("codeb.yaml") }.sorted()
    }()

    @Test func thereAreExamples() {
        #expect(Self.examples.contains("hello/codeb.yaml"))
        #expect(Self.examples.contains("web-app/codeb.yaml"))
    }

    @Test(arguments: examples)
    func exampleValidates(_ path: String) throws {
        let url = PackagePaths.root.appending(path: "examples").appending(path: path)
        let bytes = try [UInt8](Data(contentsOf: url))
        let spec = try SpecLoader.load(bytes, file: path, variables: Variables(["GIT_SHA": "0123abc"]))
        #expect(!spec.environments.isEmpty)
    }

    @Test func theHelloExampleRunsTheTestImage() throws {
        let url = PackagePaths.root.appending(path: "examples/hello/codeb.yaml")
        let spec = try SpecLoader.load([UInt8](Data(contentsOf: url)), file: "hello")
        let production = try #require(spec.environments[.production])
        #expect(production.template.image.description == "codeb-test/web:1")
        #expect(production.template.port.value == 8080)
        #expect(production.template.healthcheck.path.value == "/health")
    }
}
