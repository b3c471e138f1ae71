import APIModel
import ArgumentParser
import Foundation
import Spec

/// `codeb secrets set PROJECT [--env E] NAME=VALUE… [--from-file .env] [--wait]`; `NAME=-`
/// reads that value from standard input, so it stays out of the shell's history.
struct SecretsSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set secrets; every environment that names them rolls out with the new values.",
        discussion: "NAME=- reads the value from standard input. " + WaitOptions.exitCodes
    )
    @Argument(help: "The project.") var project: String
    @Option(name: .customLong("env"), help: "Only for this environment (`preview`: every preview instance). [default: every environment]")
    var environment: String?
    @Argument(help: "NAME=VALUE pairs; NAME=- reads the value from standard input.") var assignments: [String] = []
    @Option(name: .customLong("from-file"), help: "A .env file of NAME=VALUE lines (# comments, optional quotes, `export`).")
    var fromFile: String?
    @OptionGroup var client: ClientOptions
    @OptionGroup var wait: WaitOptions

    func run() async throws {
        let limit = try wait.limit()
        let project = try CheckedNames.project(self.project)
        var values: [String: String] = [:]
        if let fromFile {
            guard let data = FileManager.default.contents(atPath: fromFile) else { throw ValidationError("--from-file: cannot read \(fromFile)") }
            for (name, value) in try DotEnv.parse(String(decoding: data, as: UTF8.self), file: fromFile) { values[name] = value }
        }
        var readStdin = false
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw ValidationError("`\(assignment.prefix(64))` is not NAME=VALUE (NAME=- reads the value from standard input)")
            }
            let name = String(assignment[..<equals])
            var value = String(assignment[assignment.index(after: equals)...])
            if value == "-" {
                guard !readStdin else { throw ValidationError("only one NAME=- can read standard input") }
                readStdin = true
                value = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                // `echo secret | codeb secrets set …` adds a line break nobody meant.
                if value.hasSuffix("\n") { value.removeLast() }
                if value.hasSuffix("\r") { value.removeLast() }
            }
            values[name] = value
        }
        for name in values.keys {
            do { _ = try EnvVarName(parsing: name) } catch { throw ValidationError("\(name.prefix(64)): \(error.message)") }
        }
        guard !values.isEmpty else { throw ValidationError("name at least one secret: NAME=VALUE, NAME=- or --from-file .env") }
        let environment = try CheckedNames.environment(environment)
        let api = try client.client()
        let result = try await api.perform {
            try await $0.secretsSet(path: .init(project: project), body: .json(SecretsSetRequest(environment: environment, values: values))).accepted.body.json
        }
        try await SecretsCommand.report(result, verb: "set", wait: wait, api: api, limit: limit)
    }
}

/// `.env` files as people write them: `NAME=value`, `export NAME=value`, `# comments`, values in
/// single quotes (taken as they are) or double quotes (`\n`, `\"`, `\\` understood).
enum DotEnv {
    static func parse(_ text: String, file: String) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ValidationError("\(file):\(number + 1): not NAME=VALUE")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
                value = String(value.dropFirst().dropLast())
            } else if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                var unescaped = ""
                var escaping = false
                for character in value.dropFirst().dropLast() {
                    if escaping {
                        unescaped.append(character == "n" ? "\n" : character)
                        escaping = false
                    } else if character == "\\" {
                        escaping = true
                    } else {
                        unescaped.append(character)
                    }
                }
                value = unescaped
            }
            pairs.append((name, value))
        }
        return pairs
    }
}
