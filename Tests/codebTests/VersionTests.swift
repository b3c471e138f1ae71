import Foundation
import Spec
import Testing

@Suite struct VersionTests {
    @Test func versionMatchesTheVersionFile() throws {
        let file = try String(contentsOf: PackagePaths.root.appending(path: "VERSION"), encoding: .utf8)
        #expect(CodebVersion.current == file.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func versionCommandPrintsTheVersionFile() async throws {
        let file = try String(contentsOf: PackagePaths.root.appending(path: "VERSION"), encoding: .utf8)
        let result = try await CLI.run(["version"])
        #expect(result.status == 0)
        #expect(result.stdout == file.trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
    }

    /// The crash-injection hook is compiled into debug builds only: the binary under test (a
    /// debug build) says it obeys CODEB_CRASH_AT; `make bench` stops unless its release build
    /// says it does not.
    @Test func theVerboseVersionSaysWhetherFaultInjectionIsCompiledIn() async throws {
        let result = try await CLI.run(["version", "--verbose"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("build: debug (fault injection: CODEB_CRASH_AT is obeyed"), "\(result.stdout)")
    }
}
