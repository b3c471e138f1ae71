import Drivers
import Foundation
import Synchronization

/// A private Caddy (the real binary `.ci/setup` installs) per test: its own admin address,
/// sites directory and plain-HTTP port, so tests run in parallel without sharing config.
public final class CaddyInstance: Sendable {
    public let directory: String
    public let sitesDirectory: String
    public let caddyfile: String
    public let admin: HTTPEndpoint
    public let httpPort: Int
    public let logPath: String
    private let process: Mutex<Process?>

    /// `extraCaddyfile` is added to the main Caddyfile; `{HTTP_PORT}` in it becomes `httpPort`.
    public init(unixAdmin: Bool = false, extraCaddyfile: String = "") async throws {
        directory = NSTemporaryDirectory() + "codeb-caddy-" + UUID().uuidString.prefix(8).lowercased()
        sitesDirectory = directory + "/sites"
        caddyfile = directory + "/Caddyfile"
        logPath = directory + "/caddy.log"
        httpPort = FreePort.next()
        admin = unixAdmin ? .unix(path: directory + "/admin.sock") : .tcp(host: "127.0.0.1", port: FreePort.next())
        try FileManager.default.createDirectory(atPath: sitesDirectory, withIntermediateDirectories: true)
        let adminLine: String
        switch admin {
        case .tcp(let host, let port): adminLine = "admin \(host):\(port)"
        case .unix(let path): adminLine = "admin unix/\(path)"
        }
        let text = """
            {
            \t\(adminLine)
            \tauto_https off
            \tstorage file_system \(directory)/data
            \thttp_port \(httpPort)
            }
            \(extraCaddyfile.replacingOccurrences(of: "{HTTP_PORT}", with: String(httpPort)))
            import \(sitesDirectory)/*.caddy

            """
        try text.write(toFile: caddyfile, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Mutex(nil)
        do {
            try await start()
        } catch {
            stop()
            throw error
        }
    }

    /// Starts Caddy (again) with the main Caddyfile, as systemd would after a crash, and waits
    /// for its admin API.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["run", "--config", caddyfile, "--adapter", "caddyfile"]
        process.environment = ["HOME": directory, "XDG_CONFIG_HOME": directory + "/config", "XDG_DATA_HOME": directory + "/data", "PATH": "/usr/bin:/bin"]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process.withLock { $0 = process }
        let router = CaddyRouter(.init(mainCaddyfile: caddyfile, sitesDirectory: sitesDirectory, admin: admin))
        _ = try await eventually("Caddy's admin API on \(admin)") {
            try await router.check()
            return true
        }
    }

    /// Stops the Caddy process and keeps its directory, so `start()` brings it back.
    public func kill() {
        guard let process = process.withLock({ $0 }), process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// The Caddy binary: `$CODEB_CADDY`, else Debian's `/usr/bin/caddy`.
    public static var binary: String {
        ProcessInfo.processInfo.environment["CODEB_CADDY"] ?? "/usr/bin/caddy"
    }

    /// A router for this Caddy, writing plain-HTTP sites on `httpPort`.
    public func router(renderer: CaddySiteRenderer? = nil) -> CaddyRouter {
        CaddyRouter(.init(
            mainCaddyfile: caddyfile, sitesDirectory: sitesDirectory, admin: admin,
            renderer: renderer ?? CaddySiteRenderer(addressMode: .plainHTTP(port: httpPort), tryDuration: .seconds(2))
        ))
    }

    /// How many config loads Caddy has completed (it logs each one).
    public func loadsCompleted() -> Int {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.components(separatedBy: "\"load complete\"").count - 1
    }

    /// GET `path` through this Caddy for `domain`.
    public func get(_ domain: String, _ path: String = "/") async throws -> (status: Int, body: String) {
        try await httpGet("http://127.0.0.1:\(httpPort)\(path)", host: "\(domain):\(httpPort)")
    }

    public func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a fresh Caddy, stopped afterwards whether the test passed or not.
    public static func run(
        isolation: isolated (any Actor)? = #isolation, unixAdmin: Bool = false, extraCaddyfile: String = "",
        _ body: (CaddyInstance) async throws -> Void
    ) async throws {
        let caddy = try await CaddyInstance(unixAdmin: unixAdmin, extraCaddyfile: extraCaddyfile)
        do {
            try await body(caddy)
        } catch {
            caddy.stop()
            throw error
        }
        caddy.stop()
    }
}
