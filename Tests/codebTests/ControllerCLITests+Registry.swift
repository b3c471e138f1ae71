import Drivers
import Foundation
import TestSupport
import Testing

/// A private registry end to end: the real docker-registry with htpasswd auth, an image pushed
/// there and removed locally. Without a login the rollout fails naming the registry and the
/// login command; with a wrong password it fails saying the login was refused; with the right
/// one it goes live and the revision records the digest pulled. The password is never in the
/// state, the log or an answer. In `ControllerCLITests` (serialized): the staging port range.
extension ControllerCLITests {
    @Test func aPrivateRegistryImageIsPulledWithTheTeamsLogin() async throws {
        try await CaddyInstance.run { caddy in
            let project = "reg" + UUID().uuidString.prefix(8).lowercased()
            let image = try await TestRegistry.push("codeb-test/web:1", repository: "\(project)/web", tag: "1")
            Cleanup.add { try? await TestRegistry.removeLocal(image) }
            try await Self.cleaningUp(project) {
                let directory = NSTemporaryDirectory() + "codeb-cli-" + project
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let admin = try await CLI.run(["keys", "create", "--team", "acme", "--role", "admin", "--state-dir", directory]).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let (controller, port) = try await Self.startController(caddy, directory, arguments: ["--secret-key-file", directory + "/secret.key"])
                defer { if controller.isRunning { controller.terminate() } }
                let session = CLISession(port: port, token: admin)
                func codeb(_ arguments: [String], stdin: String? = nil) async throws -> CLI.Result { try await session.run(arguments, stdin: stdin) }
                let file = directory + "/codeb.yaml"
                try Self.patientSpec(project: project, version: 1).replacingOccurrences(of: "codeb-test/web:1", with: image)
                    .write(toFile: file, atomically: true, encoding: .utf8)

                let anonymous = try await codeb(["apply", "-f", file, "--wait", "--timeout", "60s"])
                #expect(anonymous.status == 3, "\(anonymous.stdout)\(anonymous.stderr)")
                #expect(anonymous.stdout.contains("registry \(TestRegistry.host)"), "\(anonymous.stdout)")
                #expect(anonymous.stdout.contains("codeb registry login \(TestRegistry.host)"), "\(anonymous.stdout)")

                let wrongPassword = "wrong-\(UUID().uuidString)"
                #expect(try await codeb(["registry", "login", TestRegistry.host, "--username", TestRegistry.username, "--password-stdin"], stdin: wrongPassword + "\n").status == 0)
                let refused = try await codeb(["apply", "-f", file, "--wait", "--timeout", "60s"])
                #expect(refused.status == 3, "\(refused.stdout)\(refused.stderr)")
                #expect(refused.stdout.contains("refused the team's login"), "\(refused.stdout)")

                let login = try await codeb(["registry", "login", TestRegistry.host, "--username", TestRegistry.username, "--password-stdin"], stdin: TestRegistry.password + "\n")
                #expect(login.status == 0, "\(login.stderr)")
                let live = try await codeb(["apply", "-f", file, "--wait", "--timeout", "60s"])
                #expect(live.status == 0, "\(live.stdout)\(live.stderr)")
                #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")
                let history = try await codeb(["history", project, "--env", "staging", "-o", "json"])
                let revisions = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]
                let digest = try #require(revisions?.first?["imageDigest"] as? String, "\(history.stdout)")
                #expect(digest.hasPrefix("sha256:") && digest.count == 71)

                // The same image pinned by the digest pulled: a new template, pulled by digest, live.
                let pinned = image.split(separator: ":").dropLast().joined(separator: ":") + "@" + digest
                try Self.patientSpec(project: project, version: 1).replacingOccurrences(of: "codeb-test/web:1", with: pinned)
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let byDigest = try await codeb(["apply", "-f", file, "--wait", "--timeout", "60s"])
                #expect(byDigest.status == 0, "\(byDigest.stdout)\(byDigest.stderr)")
                #expect(try await caddy.get("\(project).test").body == "codeb-test web v1\n")
                let list = try await codeb(["registry", "list"])
                #expect(list.stdout.contains(TestRegistry.host) && list.stdout.contains(TestRegistry.username))
                let logout = try await codeb(["registry", "logout", TestRegistry.host])
                #expect(logout.status == 0, "\(logout.stderr)")
                // Pulls are timed by result and their downloaded bytes counted.
                let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                let lines = metrics.split(separator: "\n")
                #expect(lines.contains { $0.hasPrefix(#"codeb_image_pull_seconds_count{result="ok"}"#) }, "\(lines.filter { $0.contains("pull") })")
                #expect(lines.contains { $0.hasPrefix(#"codeb_image_pull_seconds_count{result="failed"}"#) }, "the refused pulls")
                // The image's layer is already on this engine (pushed from it): 0 bytes downloaded
                // (PullTrackerTests sum the bytes of layers that do download).
                let bytes = lines.first { $0.hasPrefix("codeb_image_pull_bytes_total ") }.flatMap { Double($0.split(separator: " ")[1]) }
                #expect(bytes == 0, "\(lines.filter { $0.contains("pull") })")
                controller.terminate()
                controller.waitUntilExit()

                let haystacks = session.haystacks(directory)
                #expect(haystacks.contains { $0.0.hasSuffix(".log") })
                for (name, bytes) in haystacks {
                    for password in [TestRegistry.password, wrongPassword] {
                        #expect(bytes.range(of: Data(password.utf8)) == nil, "a registry password is in \(name)")
                    }
                }
            }
        }
    }
}
