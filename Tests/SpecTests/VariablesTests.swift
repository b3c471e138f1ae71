import Spec
import Testing

@Suite struct VariablesTests {
    static let spec = """
        project: shop
        team: acme
        image: app:VALUE
        port: 3000
        environments: { production: {} }

        """

    func image(_ value: String, _ variables: [String: String]) throws -> String {
        let yaml = Self.spec.replacingOccurrences(of: "VALUE", with: value)
        let spec = try SpecLoader.load(yaml, file: "codeb.yaml", variables: Variables(variables))
        return try #require(spec.environments[.production]).template.image.description
    }

    @Test func bracedNamesExpand() throws {
        #expect(try image("${SHA}", ["SHA": "abc"]) == "app:abc")
        #expect(try image("v${MAJOR}.${MINOR}", ["MAJOR": "1", "MINOR": "2"]) == "app:v1.2")
    }

    @Test func defaultsApplyOnlyWhenUnset() throws {
        #expect(try image("${SHA:-dev}", [:]) == "app:dev")
        #expect(try image("${SHA:-dev}", ["SHA": "abc"]) == "app:abc")
    }

    @Test func doubleDollarIsALiteralDollar() throws {
        let yaml = Self.spec.replacingOccurrences(of: "port: 3000", with: "port: 3000\nenv: { PRICE: \"$$5 and $$$${X}\" }")
        let spec = try SpecLoader.load(yaml, file: "f", variables: Variables(["X": "y"]))
        #expect(spec.environments[.production]?.template.env.mapKeys()["PRICE"] == "$5 and $${X}")
    }

    @Test func anUnsetNameIsAnErrorAtItsLineAndColumn() throws {
        let error = #expect(throws: SpecError.self) { try image("${SHA}", [:]) }
        let problem = try #require(error?.problems.first)
        #expect(problem.line == 3)
        #expect(problem.column == 12)
        #expect(problem.path == "image")
        #expect(problem.message.contains("SHA"))
    }

    @Test func everyUnsetNameInAValueIsReported() throws {
        let error = #expect(throws: SpecError.self) { try image("${A}-${B}", [:]) }
        #expect(error?.problems.map(\.column) == [12, 17])
    }

    @Test func expandedValuesCannotInjectStructure() throws {
        // A value with a line break and YAML syntax stays one scalar, and is then refused as an image tag.
        let error = #expect(throws: SpecError.self) { try image("${SHA}", ["SHA": "1\nport: 1"]) }
        #expect(error?.problems.map(\.path) == ["image"])
    }

    @Test func varAssignmentsWinOverTheEnvironment() throws {
        let variables = Variables(environment: ["SHA": "env", "OTHER": "o"], overrides: ["SHA": "flag"])
        #expect(variables.values == ["SHA": "flag", "OTHER": "o"])
    }

    @Test(arguments: [("A=1", "A", "1"), ("A_B=x=y", "A_B", "x=y"), ("A=", "A", "")])
    func assignmentsParse(_ text: String, _ name: String, _ value: String) throws {
        let parsed = try Variables.parseAssignment(text)
        #expect(parsed.name == name)
        #expect(parsed.value == value)
    }

    @Test(arguments: ["A", "=1", "1A=2", "A B=1", "A-B=1"])
    func badAssignmentsAreRefused(_ text: String) {
        #expect(throws: InvalidValue.self) { try Variables.parseAssignment(text) }
    }
}
