import Drivers
import Foundation
import TestSupport
import Testing

extension ControllerCLITests.IsolationTests {
    /// One team's secrets and registry logins are its own: another team cannot list, set or see
    /// the history of them, sees none of its logins, and cannot run its private image — not
    /// even once the image sits in the engine's cache after the owner's pull.
    @Test func anotherTeamsSecretsAndPrivateImagesStayItsOwn() async throws {
        try await CaddyInstance.run { caddy in
            let id = UUID().uuidString.prefix(6).lowercased()
            let image = try await TestRegistry.push("codeb-test/web:1", repository: "i\(id)/web", tag: "1")
            Cleanup.add { try? await TestRegistry.removeLocal(image) }
            try await Self.withHost(caddy, id) { host in
                let value = "s3cr3t-\(UUID().uuidString)"
                let login = try await CLI.run(["registry", "login", TestRegistry.host, "--username", TestRegistry.username, "--password-stdin"],
                                        stdin: Data((TestRegistry.password + "\n").utf8), environment: host.admin)
                #expect(login.status == 0, "\(login.stderr)")
                let set = try await CLI.run(["secrets", "set", "a\(id)", "DATABASE_URL=-"], stdin: Data(value.utf8), environment: host.acme)
                #expect(set.status == 0, "\(set.stderr)")
                let own = Self.spec(project: "a\(id)", team: "acme", environments: "  staging: { domains: [a\(id).test] }")
                    .replacingOccurrences(of: "codeb-test/web:1", with: image).replacingOccurrences(of: "port: 8080", with: "port: 8080\nsecrets: [DATABASE_URL]")
                let live = try await Self.apply(host, own, env: "staging", as: host.acme)
                #expect(live.status == 0, "\(live.stdout)\(live.stderr)")

                var said = ""
                for arguments in [["secrets", "list", "a\(id)"], ["secrets", "history", "a\(id)"]] {
                    let read = try await CLI.run(arguments, environment: host.rivals)
                    #expect(read.status == 1 && read.stderr.contains("does not exist"), "\(arguments): \(read.stdout)\(read.stderr)")
                    said += read.stdout + read.stderr
                }
                let overwrite = try await CLI.run(["secrets", "set", "a\(id)", "DATABASE_URL=stolen"], environment: host.rivals)
                #expect(overwrite.status == 1 && overwrite.stderr.contains("taken"), "\(overwrite.stderr)")
                let logins = try await CLI.run(["registry", "list", "-o", "json"], environment: host.rivals)
                #expect(logins.status == 0 && !logins.stdout.contains(TestRegistry.host), "\(logins.stdout)")
                said += overwrite.stderr + logins.stdout

                // The image is in the engine's cache now; the rivals have no login to pull it.
                let theirs = Self.spec(project: "r\(id)", team: "rivals", environments: "  staging: { domains: [r\(id).test] }")
                    .replacingOccurrences(of: "codeb-test/web:1", with: image)
                let cached = try await Self.apply(host, theirs, env: "staging", as: host.rivals)
                #expect(cached.status == 3, "\(cached.stdout)\(cached.stderr)")
                #expect(cached.stdout.contains("wants a login"), "\(cached.stdout)")
                #expect(try await Self.containers("r\(id)").isEmpty)
                // Nor by the local image ID the engine would resolve (a short prefix names no
                // registry, so only the record of who pulled it with a login stops it): the full
                // ID is refused in the spec, a prefix must be pulled — and is no public image.
                let imageID = try #require(try await DockerRuntime().imageID(image))
                let full = try await Self.apply(host, theirs.replacingOccurrences(of: image, with: imageID), env: "staging", as: host.rivals)
                #expect(full.status == 2 && full.stderr.contains("is a local image ID"), "\(full.stdout)\(full.stderr)")
                let prefix = String(imageID.dropFirst("sha256:".count).prefix(12))
                let byID = try await Self.apply(host, theirs.replacingOccurrences(of: image, with: prefix), env: "staging", as: host.rivals)
                #expect(byID.status == 3, "\(byID.stdout)\(byID.stderr)")
                #expect(try await Self.containers("r\(id)").isEmpty, "acme's private image never ran for the rivals")
                // And their own project naming the same secret finds no value of acme's.
                let named = try await Self.apply(host, theirs.replacingOccurrences(of: image, with: "codeb-test/web:1")
                    .replacingOccurrences(of: "port: 8080", with: "port: 8080\nsecrets: [DATABASE_URL]"), env: "staging", as: host.rivals)
                #expect(named.status == 2 && named.stderr.contains("DATABASE_URL"), "\(named.stderr)")
                said += cached.stdout + cached.stderr + named.stderr
                #expect(!said.contains(value) && !said.contains(TestRegistry.password))
                #expect(try await caddy.get("a\(id).test").body == "codeb-test web v1\n", "acme's project is untouched")
            }
        }
    }
}
