import Foundation

/// Runs a command inside a container with the docker CLI (`docker exec -i`), the way a person
/// would look into one: what a slot's app can reach is asked from inside the slot. The command
/// is an argument vector, never a shell line built here.
public enum DockerExec {
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Off the cooperative pool: the wait would stall every other test's tasks.
    public static func run(_ container: String, _ command: [String], input: String? = nil) async throws -> Outcome {
        try await offPool { try runBlocking(container, command, input: input) }
    }

    public static func runBlocking(_ container: String, _ command: [String], input: String?) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker") ? "/usr/bin/docker" : "/usr/local/bin/docker")
        process.arguments = ["exec", "-i", container] + command
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// `sh -c script` in the container, with its environment (the app's variables).
    public static func shell(_ container: String, _ script: String, input: String? = nil) async throws -> Outcome {
        try await run(container, ["/usr/bin/busybox", "sh", "-c", script], input: input)
    }
}
