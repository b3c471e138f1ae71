import Foundation
import Testing

/// The dependency graph the layout promises, checked in the sources: the planner is a pure
/// function of `Spec` and `State` values, so it may import nothing else.
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The modules each Swift file under `folder` imports, by its path under `folder` (every
    /// subfolder included: a folder added later is checked too).
    static func imports(under folder: String) throws -> [String: Set<String>] {
        let directory = root.appending(path: folder)
        var result: [String: Set<String>] = [:]
        let names = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
        for name in names where name.hasSuffix(".swift") {
            let text = try String(contentsOf: directory.appending(path: name), encoding: .utf8)
            result[name] = Set(text.split(separator: "\n").compactMap { line -> String? in
                // Attributes and access levels before `import` do not matter (`@testable`,
                // `@_exported`, generated code's `@_spi(Generated) public import`).
                let words = line.split(separator: " ").drop { $0.hasPrefix("@") || ["public", "package", "internal", "private", "fileprivate"].contains($0) }
                guard words.first == "import", words.count >= 2 else { return nil }
                // `import struct X.Y` counts as X.
                return String(words.last!.split(separator: ".").first!)
            })
        }
        return result
    }

    /// Tests mirror the targets: each source target's tests live in `<Target>Tests`. The
    /// exceptions are tested where what they serve is: the contract (APIModel) as the served
    /// API and the MCP endpoint inside the controller's world (role matrix, parity), both in
    /// ControllerTests, and over HTTP and stdio with the binary in codebTests.
    @Test func everySourceTargetHasATestTargetOfItsOwn() throws {
        let buildTime: Set = ["codeb-version-gen", "VersionPlugin"]
        let testedElsewhere: Set = ["APIModel", "MCPEndpoint"]
        let sources = try FileManager.default.contentsOfDirectory(atPath: Self.root.appending(path: "Sources").path)
        let tests = Set(try FileManager.default.contentsOfDirectory(atPath: Self.root.appending(path: "Tests").path))
        #expect(sources.count >= 10)
        for target in sources where !buildTime.contains(target) && !testedElsewhere.contains(target) {
            let folder = "\(target)Tests"
            #expect(tests.contains(folder), "Sources/\(target) has no Tests/\(folder)")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: Self.root.appending(path: "Tests/\(folder)").path)) ?? []
            #expect(files.contains { $0.hasSuffix("Tests.swift") }, "Tests/\(folder) holds no suite")
        }
        for target in testedElsewhere { #expect(!tests.contains("\(target)Tests"), "\(target) has tests of its own now: take it off the exceptions") }
    }

    @Test func thePlannerImportsSpecAndStateOnly() throws {
        let imports = try Self.imports(under: "Sources/Planning")
        #expect(!imports.isEmpty)
        for (file, modules) in imports {
            #expect(modules.isSubset(of: ["Foundation", "Spec", "State"]), "\(file) imports \(modules.sorted())")
        }
    }

    @Test func theStateModelDependsOnSpecOnly() throws {
        let imports = try Self.imports(under: "Sources/State")
        #expect(imports.count > 10)
        for (file, modules) in imports {
            #expect(modules.isSubset(of: ["Foundation", "Spec", "Synchronization"]), "State/\(file) imports \(modules.sorted())")
        }
    }

    @Test func cliCommandsReadTheAPIsTypesFromAPIModelNotTheController() throws {
        // Only the host-side commands (`codeb controller`, `codeb doctor`, in codeb/Controller)
        // and the key bootstrap open stores or drivers; every other command talks to the API.
        for (file, modules) in try Self.imports(under: "Sources/codeb") where !file.hasPrefix("Controller/") && file != "Keys/KeysCreateCommand.swift" {
            #expect(modules.isDisjoint(with: ["Controller", "Drivers"]), "codeb/\(file) imports \(modules.sorted())")
        }
    }

    /// The API model is values and the contract: its generated code needs only the OpenAPI
    /// runtime and HTTP types (no transport, no server framework), the contract's reader only Yams.
    @Test func theAPIModelDependsOnSpecStateAndTheOpenAPIRuntimeOnly() throws {
        let imports = try Self.imports(under: "Sources/APIModel")
        #expect(imports.keys.contains("Generated/Server.swift") && imports.keys.contains("Contract/APIContract.swift"))
        for (file, modules) in imports {
            #expect(modules.isSubset(of: ["Foundation", "Spec", "State", "Yams", "OpenAPIRuntime", "HTTPTypes"]), "APIModel/\(file) imports \(modules.sorted())")
        }
    }

    @Test func theControllerKnowsNothingOfWhatIsBuiltOnItsAPI() throws {
        // `/mcp` is an `APIExtension` in its own module: MCP depends on the API, not the reverse.
        for folder in ["Sources/Controller", "Sources/Planning"] {
            for (file, modules) in try Self.imports(under: folder) {
                #expect(modules.isDisjoint(with: ["MCP", "CodebMCP", "MCPEndpoint"]), "\(folder)/\(file) imports \(modules.sorted())")
            }
        }
        let package = try String(contentsOf: Self.root.appending(path: "Package.swift"), encoding: .utf8)
        let controller = try #require(package.range(of: "name: \"Controller\""))
        let next = package.range(of: ".target(", range: controller.upperBound..<package.endIndex)?.lowerBound ?? package.endIndex
        let declaration = package[controller.upperBound..<next]
        #expect(!declaration.contains("\"CodebMCP\"") && !declaration.contains("swift-sdk"), "the Controller target depends on MCP:\n\(declaration)")
    }

    /// One command per file in the CLI, the file named for it (`EventsCommand` in
    /// `EventsCommand.swift`), so a command is found by its name.
    @Test func everyCLICommandHasItsOwnFileNamedForIt() throws {
        let directory = Self.root.appending(path: "Sources/codeb")
        let files = try #require(FileManager.default.enumerator(atPath: directory.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var commands = 0
        for file in files {
            let text = try String(contentsOf: directory.appending(path: file), encoding: .utf8)
            let declared = text.matches(of: /struct (\w+): (?:Async)?ParsableCommand/).map { String($0.output.1) }
            commands += declared.count
            #expect(declared.count <= 1, "\(file) declares \(declared)")
            if let command = declared.first {
                #expect(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent == command, "\(command) lives in \(file)")
            }
        }
        #expect(commands >= 30, "\(commands) commands found")
    }

    /// Each file imports what it uses: no target hands its dependencies on (`@_exported`), but
    /// the controller's re-export of the API's types for its clients.
    @Test func noTargetReExportsTheStateModel() throws {
        let imports = try Self.imports(under: "Sources")
        #expect(imports.count > 100)
        let directory = Self.root.appending(path: "Sources")
        for file in imports.keys {
            let text = try String(contentsOf: directory.appending(path: file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("@_exported import ") {
                #expect(line == "@_exported import APIModel" && file == "Controller/Exports.swift", "\(file): \(line)")
            }
        }
    }
}
