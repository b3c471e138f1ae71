import Foundation
import Testing

@Suite struct ValidateCommandTests {
    @Test func theHelloExampleIsValid() async throws {
        let result = try await CLI.run(["validate", "-f", "examples/hello/codeb.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("hello (team demo) is valid: 2 environments"))
        #expect(result.stdout.contains("production   codeb-test/web:1"))
        #expect(result.stdout.contains("hello.localhost"))
        #expect(result.stderr.isEmpty)
    }

    @Test func threeMistakesPrintThreeLocatedProblemsAndExit2() async throws {
        let spec = """
            project: shop
            team: acme
            image: app:1
            port: 99999
            promote: sometimes
            environments:
              production: { domains: ["https://shop.example.com"] }

            """
        let result = try await CLI.run(["validate", "-f", "-"], stdin: Data(spec.utf8))
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("<stdin>:4:7: port: "))
        #expect(lines[1].hasPrefix("<stdin>:5:10: promote: "))
        #expect(lines[2].hasPrefix("<stdin>:7:27: environments.production.domains[0]: "))
        #expect(lines[3] == "3 problems in <stdin>")
        #expect(result.stdout.isEmpty)
    }

    @Test func varsFromFlagsAndEnvironmentExpand() async throws {
        let flags = try await CLI.run(["validate", "-f", "examples/web-app/codeb.yaml", "--var", "GIT_SHA=feed42"])
        #expect(flags.status == 0, "\(flags.stderr)")
        #expect(flags.stdout.contains("registry.example.com/acme/shop:feed42"))

        var environment = ProcessInfo.processInfo.environment
        environment["GIT_SHA"] = "fromenv"
        let env = try await CLI.run(["validate", "-f", "examples/web-app/codeb.yaml"], environment: environment)
        #expect(env.status == 0, "\(env.stderr)")
        #expect(env.stdout.contains("shop:fromenv"))

        let both = try await CLI.run(["validate", "-f", "examples/web-app/codeb.yaml", "--var", "GIT_SHA=flag"], environment: environment)
        #expect(both.stdout.contains("shop:flag"))
    }

    @Test func anUnsetVariableIsAProblemAtItsColumn() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_SHA"] = nil
        let result = try await CLI.run(["validate", "-f", "examples/web-app/codeb.yaml"], environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("examples/web-app/codeb.yaml:6:39: image: `${GIT_SHA}` is not set"))
    }

    @Test func jsonOutputCarriesTheSpecOrTheProblems() async throws {
        let ok = try await CLI.run(["validate", "-f", "examples/hello/codeb.yaml", "-o", "json"])
        #expect(ok.status == 0)
        let spec = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        #expect(spec?["project"] as? String == "hello")

        let bad = try await CLI.run(["validate", "-f", "-", "-o", "json"], stdin: Data("[]".utf8))
        #expect(bad.status == 2)
        let body = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any]
        let problems = body?["problems"] as? [[String: Any]]
        #expect(problems?.count == 1)
        #expect(problems?.first?["line"] as? Int == 1)
    }

    @Test func aMissingFileIsAClearError() async throws {
        let result = try await CLI.run(["validate", "-f", "does/not/exist.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot read does/not/exist.yaml: it does not exist"))
    }

    @Test func aBadVarFlagIsAUsageError() async throws {
        let result = try await CLI.run(["validate", "-f", "examples/hello/codeb.yaml", "--var", "1X=y"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--var"))
    }

    @Test func anOversizedStdinIsRefusedWithoutReadingItAll() async throws {
        let big = Data(repeating: UInt8(ascii: "#"), count: 5 << 20)
        let result = try await CLI.run(["validate", "-f", "-"], stdin: big)
        #expect(result.status == 2)
        #expect(result.stderr.contains("at most 262144 bytes"))
    }

    /// `envsubst < codeb.yaml | codeb validate -f -`: the piped spec is read once and checked.
    @Test func aSpecPipedOnStandardInputIsValidated() async throws {
        let text = try String(contentsOfFile: "examples/hello/codeb.yaml", encoding: .utf8)
        let result = try await CLI.run(["validate", "-f", "-"], stdin: Data(text.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("hello (team demo) is valid: 2 environments"))
    }
}
