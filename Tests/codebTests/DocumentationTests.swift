import Foundation
import Testing

/// The documentation by reader (docs/*.md) says what the program does: every command, every
/// controller flag and every codeb.yaml key is documented, each where its reader looks.
@Suite struct DocumentationTests {
    static func page(_ name: String) throws -> String {
        try String(contentsOf: PackagePaths.root.appending(path: "docs/\(name)"), encoding: .utf8)
    }

    @Test func everyCodebYamlKeyIsInTheSpecReference() throws {
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: PackagePaths.root.appending(path: "schema/codeb.schema.json"))) as? [String: Any])
        var keys: Set<String> = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let properties = object["properties"] as? [String: Any] { keys.formUnion(properties.keys) }
                object.values.forEach(walk)
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(schema)
        let spec = try Self.page("spec.md")
        #expect(keys.count >= 20, "\(keys.count) keys in the schema")
        for key in keys {
            #expect(spec.contains("`\(key)") || spec.contains(".\(key)`"), "codeb.yaml key \(key) is not in docs/spec.md")
        }
    }

    @Test func everyControllerFlagIsInTheControllerOrOperatingGuide() async throws {
        let help = try await CLI.run(["controller", "--help"])
        #expect(help.status == 0)
        let flags = Set(help.stdout.matches(of: /--([a-z][a-z0-9-]+)/).map { String($0.1) }).subtracting(["help", "version"])
        let docs = try Self.page("controller.md") + Self.page("operating.md")
        #expect(flags.count >= 20, "\(flags.count) flags")
        for flag in flags {
            #expect(docs.contains("--\(flag)"), "codeb controller --\(flag) is in neither docs/controller.md nor docs/operating.md")
        }
    }

    @Test func everyCommandIsInTheCLIReference() async throws {
        let help = try await CLI.run(["--help"])
        let section = help.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let commands = section.split(separator: "\n").compactMap { line in line.wholeMatch(of: /\ \ ([a-z][a-z-]*) .*/).map { String($0.1) } }
        let cli = try Self.page("cli.md")
        #expect(commands.count >= 15, "\(commands)")
        for command in commands {
            #expect(cli.contains("codeb \(command)"), "codeb \(command) is not in docs/cli.md")
        }
    }
}
