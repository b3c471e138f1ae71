import Foundation

/// Where the package and the built `codeb` binary are.
enum PackagePaths {
    /// The package root, found from this file's location.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `codeb` is built next to the test bundle.
    static var binary: URL {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ].compactMap { $0 }
        for directory in candidates {
            let url = directory.appending(path: "codeb")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return root.appending(path: ".build/debug/codeb")
    }
}

/// Runs the real `codeb` binary, as a user or CI would.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the command on a thread of its own, so a test waiting for it (an `apply --wait`
    /// takes seconds) never holds one of the few threads every other test's tasks run on.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try runBlocking(arguments, stdin: stdin, environment: environment))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func runBlocking(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = PackagePaths.binary
        process.arguments = arguments
        process.currentDirectoryURL = PackagePaths.root
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        // A child that stops reading early must not kill the test process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        try process.run()
        // Feed stdin and drain stderr on other threads while this one drains stdout, so no pipe
        // can fill up and block the child. `group.wait()` orders the writes to `errorData`
        // before the read below, which is why the unsafe capture is sound.
        let group = DispatchGroup()
        let writer = input.fileHandleForWriting
        group.enter()
        DispatchQueue.global().async {
            if let stdin { try? writer.write(contentsOf: stdin) }
            try? writer.close()
            group.leave()
        }
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self)
        )
    }
}
