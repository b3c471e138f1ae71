import Foundation

/// Runs the CLI against one controller, keeping every answer it printed, so a test can search
/// them all afterwards for something that must never be shown (a secret, a password).
final class CLISession {
    var environment: [String: String]
    private(set) var answers = ""

    init(port: Int, token: String) {
        environment = ProcessInfo.processInfo.environment
        environment["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
        environment["CODEB_TOKEN"] = token
    }

    func run(_ arguments: [String], stdin: String? = nil) async throws -> CLI.Result {
        let result = try await CLI.run(arguments, stdin: stdin.map { Data($0.utf8) }, environment: environment)
        answers += result.stdout + result.stderr
        return result
    }

    /// Adds an answer that did not come from the CLI (an API or MCP response).
    func record(_ answer: String) { answers += answer }

    /// Every answer, and every file under `directory` (state, logs, audit log), by name.
    func haystacks(_ directory: String) -> [(String, Data)] {
        var haystacks: [(String, Data)] = [("CLI, API and MCP answers", Data(answers.utf8))]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let path = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: directory + "/" + path) { haystacks.append((path, data)) }
        }
        return haystacks
    }
}
