import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// A real ACME CA for one test: Debian's `pebble` (Let's Encrypt's test server) with
/// `pebble-challtestsrv` as its DNS (every name → 127.0.0.1), on free loopback ports, validating
/// challenges for real against Caddy's `httpPort`/`httpsPort`. pebble makes a new root on each
/// start: `rootPath` is what a client trusts for the certificates it issues.
public final class PebbleCA: Sendable {
    public let directory: String
    /// The ACME directory URL Caddy's `acme_ca` points at.
    public let directoryURL: String
    /// The CA of the certificate pebble's own API is served with (Caddy's `acme_ca_root`).
    public let apiCAPath: String
    /// The root of the certificates pebble issues (fetched from `/roots/0` after start).
    public let rootPath: String
    /// The ports pebble validates challenges on: Caddy must listen on them.
    public let httpPort: Int
    public let httpsPort: Int
    let apiPort: Int
    let managementPort: Int
    let dnsPort: Int
    let dnsManagementPort: Int
    private let processes: Mutex<[Process]>

    public init(httpPort: Int, httpsPort: Int) async throws {
        self.httpPort = httpPort
        self.httpsPort = httpsPort
        directory = NSTemporaryDirectory() + "codeb-pebble-" + UUID().uuidString.prefix(8).lowercased()
        apiPort = FreePort.next()
        managementPort = FreePort.next()
        dnsPort = FreePort.next()
        dnsManagementPort = FreePort.next()
        directoryURL = "https://127.0.0.1:\(apiPort)/dir"
        apiCAPath = directory + "/api-ca.pem"
        rootPath = directory + "/root.pem"
        processes = Mutex([])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            try makeAPICertificate()
            try start()
            try await fetchRoot()
        } catch {
            stop()
            throw error
        }
    }

    /// A P-256 CA and a leaf for `localhost`/127.0.0.1 signed by it: the package ships none.
    private func makeAPICertificate() throws {
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: directory + "/san.cnf", atomically: true, encoding: .utf8)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try Self.run("/usr/bin/openssl", ["req", "-x509"] + curve + ["-keyout", directory + "/api-ca.key", "-out", apiCAPath, "-days", "2", "-subj", "/CN=codeb test pebble API CA"])
        try Self.run("/usr/bin/openssl", ["req"] + curve + ["-keyout", directory + "/key.pem", "-out", directory + "/leaf.csr", "-subj", "/CN=localhost"])
        try Self.run("/usr/bin/openssl", [
            "x509", "-req", "-in", directory + "/leaf.csr", "-CA", apiCAPath, "-CAkey", directory + "/api-ca.key", "-CAcreateserial",
            "-out", directory + "/cert.pem", "-days", "2", "-extfile", directory + "/san.cnf",
        ])
    }

    private func start() throws {
        let config = """
            {"pebble": {"listenAddress": "127.0.0.1:\(apiPort)", "managementListenAddress": "127.0.0.1:\(managementPort)",
              "certificate": "\(directory)/cert.pem", "privateKey": "\(directory)/key.pem",
              "httpPort": \(httpPort), "tlsPort": \(httpsPort), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
            """
        try config.write(toFile: directory + "/pebble.json", atomically: true, encoding: .utf8)
        // Every listener set: challtestsrv's defaults bind all interfaces.
        try launch("/usr/bin/pebble-challtestsrv", [
            "-dns01", "127.0.0.1:\(dnsPort)", "-http01", "", "-https01", "", "-tlsalpn01", "",
            "-management", "127.0.0.1:\(dnsManagementPort)", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
        ], log: "challtestsrv.log", environment: [:])
        // No random sleeps before validation, no random nonce rejections: fast and repeatable.
        try launch("/usr/bin/pebble", ["-config", directory + "/pebble.json", "-dnsserver", "127.0.0.1:\(dnsPort)"],
                   log: "pebble.log", environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"])
    }

    private func launch(_ executable: String, _ arguments: [String], log: String, environment: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw PebbleMissing(path: executable) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        _ = FileManager.default.createFile(atPath: directory + "/" + log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/" + log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.withLock { $0.append(process) }
    }

    /// Waits for pebble's API and writes the root it issues under to `rootPath`.
    private func fetchRoot() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(apiCAPath)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(5))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        defer { Task { try? await client.shutdown() } }
        let root = try await eventually("pebble's API on 127.0.0.1:\(managementPort) (log: \(directory)/pebble.log)", within: .seconds(20)) { () async throws -> String? in
            let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(managementPort)/roots/0"), timeout: .seconds(5))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            return response.status == .ok && body.contains("BEGIN CERTIFICATE") ? body : nil
        }
        try root.write(toFile: rootPath, atomically: true, encoding: .utf8)
        _ = try await eventually("pebble's ACME directory \(directoryURL)", within: .seconds(20)) { () async throws -> Bool? in
            let response = try await client.execute(HTTPClientRequest(url: directoryURL), timeout: .seconds(5))
            return response.status == .ok ? true : nil
        }
    }

    /// Stops pebble (it forgets every account and certificate) and challtestsrv.
    public func stop() {
        resume()
        for process in processes.withLock({ $0 }) where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        processes.withLock { $0 = [] }
    }

    /// Freezes pebble (SIGSTOP) without it forgetting anything: connections are accepted by the
    /// kernel and answered only after `resume()`, as a CA that is slow or briefly away.
    public func pause() { signalPebble(SIGSTOP) }

    /// Lets a paused pebble answer again (SIGCONT).
    public func resume() { signalPebble(SIGCONT) }

    private func signalPebble(_ signal: Int32) {
        for process in processes.withLock({ $0 }) where process.executableURL?.lastPathComponent == "pebble" && process.isRunning {
            kill(process.processIdentifier, signal)
        }
    }

    /// Stops both and removes the directory.
    public func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a fresh CA on new ports for Caddy, removed afterwards whether the test
    /// passed or not.
    public static func run(isolation: isolated (any Actor)? = #isolation, _ body: (PebbleCA) async throws -> Void) async throws {
        let ca = try await PebbleCA(httpPort: FreePort.next(), httpsPort: FreePort.next())
        do {
            try await body(ca)
        } catch {
            ca.remove()
            throw error
        }
        ca.remove()
    }

    /// The global options that point a Caddy at this CA for real validation.
    public var caddyGlobalOptions: String {
        """
        \thttp_port \(httpPort)
        \thttps_port \(httpsPort)
        \tdefault_bind 127.0.0.1
        \tacme_ca \(directoryURL)
        \tacme_ca_root \(apiCAPath)
        \temail ops@example.test
        \tskip_install_trust
        """
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailed(command: "\(executable) \(arguments.first ?? "")", status: process.terminationStatus, output: String(text.suffix(400)))
        }
    }
}

/// pebble (or openssl) is not installed or did not run: `.ci/setup` installs Debian's `pebble`.
public struct PebbleMissing: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot run \(path); run .ci/setup (it installs Debian's pebble and openssl)" }
}

/// A command a test harness ran exited non-zero; its output says why.
public struct CommandFailed: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "\(command) exited \(status): \(output)" }
}
