import APIModel
import ArgumentParser
import Foundation
import Spec
import State

/// `-f FILE` and `--var NAME=value`, shared by every command that reads a codeb.yaml.
struct SpecFileOptions: ParsableArguments {
    @Option(name: [.short, .customLong("file")], help: ArgumentHelp("The spec to read; - reads standard input.", valueName: "file"))
    var file: String = "codeb.yaml"

    @Option(name: .customLong("var"), help: ArgumentHelp("Set a variable for ${NAME} (wins over the environment). Repeatable.", valueName: "NAME=value"))
    var variables: [String] = []

    func validate() throws {
        for assignment in variables {
            do {
                _ = try Variables.parseAssignment(assignment)
            } catch {
                throw ValidationError("--var \(error.message)")
            }
        }
    }

    var displayName: String { file == "-" ? "<stdin>" : file }

    /// Reads and loads the spec; throws `SpecError` for problems in it, `CLIError` when unreadable.
    func load() throws -> Spec {
        try load(try readBytes())
    }

    /// Loads the spec from `bytes` already read (standard input can be read only once).
    func load(_ bytes: [UInt8]) throws -> Spec {
        var overrides: [String: String] = [:]
        for assignment in variables {
            let (name, value) = try Variables.parseAssignment(assignment)
            overrides[name] = value
        }
        let variables = Variables(environment: ProcessInfo.processInfo.environment, overrides: overrides)
        return try SpecLoader.load(bytes, file: displayName, variables: variables)
    }

    /// Validates the spec here (problems print with this machine's file name; exit `problemStatus`)
    /// and builds the request that sends it with only the variables it uses.
    func applyRequest(environments: [String], dryRun: Bool, problemStatus: Int32) throws -> (spec: Spec, body: ApplyRequest) {
        // Read once: `-f -` is a pipe, and a second read would find it drained.
        let bytes = try readBytes()
        let loaded: Spec
        do {
            loaded = try load(bytes)
        } catch let error as SpecError {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(problemStatus)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let request = ApplyRequest(
            spec: text, file: displayName, variables: referencedVariables(in: text),
            environments: environments.isEmpty ? nil : environments, dryRun: dryRun
        )
        return (loaded, request)
    }

    /// The values of the variables `text` refers to (`${NAME}` / `${NAME:-…}`) that are set here:
    /// the controller gets those, not this machine's whole environment.
    func referencedVariables(in text: String) -> [String: String] {
        var overrides: [String: String] = [:]
        for assignment in variables {
            if let (name, value) = try? Variables.parseAssignment(assignment) { overrides[name] = value }
        }
        let all = Variables(environment: ProcessInfo.processInfo.environment, overrides: overrides).values
        var names: Set<String> = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            rest = rest[start.upperBound...]
            let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if !name.isEmpty { names.insert(String(name)) }
        }
        return all.filter { names.contains($0.key) }
    }

    /// Reads at most one byte more than the loader accepts, so a huge file is refused without
    /// being read whole.
    func readBytes() throws -> [UInt8] {
        let limit = SpecLoader.maxBytes + 1
        let handle: FileHandle
        if file == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: file) else {
                let reason = FileManager.default.fileExists(atPath: file) ? "it is not readable" : "it does not exist"
                throw CLIError("cannot read \(file): \(reason)")
            }
            handle = opened
        }
        defer { if file != "-" { try? handle.close() } }
        var bytes: [UInt8] = []
        do {
            while bytes.count < limit, let chunk = try handle.read(upToCount: limit - bytes.count), !chunk.isEmpty {
                bytes.append(contentsOf: chunk)
            }
        } catch {
            throw CLIError("cannot read \(displayName): \(error.localizedDescription)")
        }
        return bytes
    }
}
