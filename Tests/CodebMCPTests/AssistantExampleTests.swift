import CodebMCP
import Foundation
import Testing

/// `examples/assistants/`: what it hands an assistant names only tools that exist.
@Suite struct AssistantExampleTests {
    /// Every single word in backticks in SKILL.md is a tool name (commands and values are written
    /// with spaces or punctuation), and the skill names the steps' tools.
    @Test func everyToolTheSkillNamesExists() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let skill = try String(contentsOf: root.appending(path: "examples/assistants/SKILL.md"), encoding: .utf8)
        let tools = Set(CodebTools(api: nil, destructive: true).tools.map(\.name))
        let named = Set(skill.matches(of: /`([a-z]+(?:_[a-z]+)*)`/).map { String($0.output.1) })
        let fields = ["vars", "wait", "tail", "live", "failed", "project", "environment", "revision", "slot"]
        let unknown = named.subtracting(tools).subtracting(fields)
        #expect(unknown.isEmpty, "SKILL.md names tools that do not exist: \(unknown.sorted())")
        #expect(named.isSuperset(of: ["validate", "plan", "apply", "rollout_status", "logs", "rollback"]), "\(named.sorted())")
    }
}
