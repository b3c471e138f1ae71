import Foundation
import Spec
import Testing
import TestSupport

/// Input written to break the loader: it must answer with a located problem, never crash or hang.
@Suite struct HostileInputTests {
    static let valid = """
        project: shop
        team: acme
        image: app:1
        port: 3000
        environments:
          production: { domains: [shop.example.com] }

        """

    func problems(_ bytes: [UInt8]) -> [SpecProblem] {
        do {
            _ = try SpecLoader.load(bytes, file: "evil.yaml")
            return []
        } catch {
            return error.problems
        }
    }

    func problems(_ text: String) -> [SpecProblem] { problems(Array(text.utf8)) }

    @Test func anAliasBombIsRefused() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            yaml += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        yaml += "project: *a9\n"
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("alias") == true)
    }

    @Test func aliasesWithinTheBudgetStillWork() throws {
        let yaml = Self.valid.replacingOccurrences(of: "team: acme", with: "team: &t acme\nenv: { TEAM: *t }")
        let spec = try SpecLoader.load(yaml, file: "f")
        #expect(spec.environments[.production]?.template.env.mapKeys()["TEAM"] == "acme")
    }

    @Test func aFileOver256KiBIsRefusedWithoutParsing() {
        let padding = "# " + String(repeating: "x", count: 300_000) + "\n"
        let found = problems(padding + Self.valid)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("262144") == true)
    }

    @Test func aFileJustUnderTheLimitLoads() throws {
        let padding = "# " + String(repeating: "x", count: 200_000) + "\n"
        _ = try SpecLoader.load(padding + Self.valid, file: "f")
    }

    static let garbage: [(String, [UInt8])] = {
        let valid: [UInt8] = Array(HostileInputTests.valid.utf8)
        var withNUL = valid
        withNUL.insert(0, at: 20)
        var invalidUTF8: [UInt8] = Array("project: sh".utf8)
        invalidUTF8 += [0xC3, 0x28]
        invalidUTF8 += Array("op\n".utf8)
        return [
            ("NUL byte", withNUL),
            ("PNG header", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]),
            ("invalid UTF-8", invalidUTF8),
            ("lone continuation bytes", [0x80, 0x81, 0x82]),
            ("ELF binary", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]),
        ]
    }()

    @Test(arguments: garbage)
    func binaryGarbageIsRefused(_ name: String, _ bytes: [UInt8]) {
        let found = problems(bytes)
        #expect(found.count == 1, "\(name)")
        #expect(found.first?.message.contains("binary") == true || found.first?.message.contains("UTF-8") == true, "\(name)")
    }

    @Test func invalidUTF8IsLocated() {
        var bytes: [UInt8] = Array("project: shop\nteam: a".utf8)
        bytes += [0xFF, 0x0A]
        let found = problems(bytes)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 8)
    }

    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let count = Int(generator.next() % 512)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            #expect(!problems(bytes).isEmpty)
        }
    }

    @Test func mutatedSpecsNeverCrash() {
        // Replace, insert or delete bytes of a valid spec with YAML-significant characters.
        let alphabet = Array("{}[]:,-?&*!|>'\"%@`# \n\t\\$.0aZé".utf8)
        var generator = SplitMix64(seed: 7)
        let original = Array(Self.valid.utf8)
        for _ in 0..<1000 {
            var bytes = original
            for _ in 0..<(1 + generator.next() % 4) {
                let index = Int(generator.next() % UInt64(bytes.count))
                let byte = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                switch generator.next() % 3 {
                case 0: bytes[index] = byte
                case 1: bytes.insert(byte, at: index)
                default: bytes.remove(at: index)
                }
            }
            // Either it loads or it says why; both are fine, a crash is not.
            _ = problems(bytes)
        }
    }

    @Test func deepFlowNestingIsRefused() {
        let found = problems("project: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("nest") == true)
    }

    @Test func deepCompactListsAreRefused() {
        let found = problems("project:\n" + String(repeating: "- ", count: 100_000) + "x\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
    }

    @Test func deepIndentationIsRefused() {
        var yaml = ""
        for depth in 0..<300 {
            yaml += String(repeating: " ", count: depth) + "k\(depth):\n"
        }
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("indented") == true)
    }

    @Test func bracketsInsideQuotesDoNotCountAsNesting() throws {
        let yaml = Self.valid.replacingOccurrences(of: "port: 3000", with: "port: 3000\nenv: { X: \"\(String(repeating: "[", count: 100))\" }")
        _ = try SpecLoader.load(yaml, file: "f")
    }

    @Test func hugeKeysAndValuesAreReportedBriefly() {
        let key = String(repeating: "k", count: 100_000)
        let found = problems(Self.valid + "\(key): 1\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 7)
    }

    @Test func aThousandMistakesAreAllReported() {
        var yaml = Self.valid + "env:\n"
        for index in 0..<1000 { yaml += "  \"BAD NAME \(index)\": x\n" }
        #expect(problems(yaml).count == 1000)
    }
}


@Suite struct NestingLimitTests {
    @Test func nestingJustWithinTheLimitsIsParsedAndJudgedNormally() throws {
        let flow = "project: " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32) + "\n"
        let compact = "project:\n" + String(repeating: "- ", count: 16) + "x\n"
        var indented = "project:\n"
        for depth in 1...64 { indented += String(repeating: " ", count: depth * 2) + "k\(depth):\n" }
        for yaml in [flow, compact, indented] {
            let error = #expect(throws: SpecError.self) { try SpecLoader.load(yaml, file: "f") }
            #expect(error?.problems.contains { $0.path == "project" && $0.message.contains("single value") } == true)
        }
    }
}
