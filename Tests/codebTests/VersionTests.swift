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
}
