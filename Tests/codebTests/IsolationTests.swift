import AsyncHTTPClient
import Drivers
import Foundation
import NIOCore
import NIOFoundationCompat
import State
import TestSupport
import Testing

extension ControllerCLITests {
/// Teams sharing one host, against the real dockerd, Caddy and a real `codeb controller`: one
/// team can never disturb, read or reach another team's project (issue 15). Nested in the
/// serialized `ControllerCLITests`, so its controllers never run beside the other controller
/// processes (each has a fresh store and allocates port ranges from their start).
@Suite(.timeLimit(.minutes(5)))
struct IsolationTests {
    /// A controller on `caddy` with keys for the teams acme and rivals; the CLI environment of each.
    struct Host {
        var controller: Process
        var port: Int
        var directory: String
        var acme: [String: String]
        var rivals: [String: String]
        /// acme's admin and owner.
        var admin: [String: String]
        var owner: [String: String]

        func stop() {
            if controller.isRunning {
                controller.terminate()
                controller.waitUntilExit()
            }
        }
    }

    /// With `databaseURL`, keys and state are in that PostgreSQL database.
    static func host(_ caddy: CaddyInstance, _ name: String, arguments: [String] = [], databaseURL: String? = nil) async throws -> Host {
        let directory = NSTemporaryDirectory() + "codeb-isolation-" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = databaseURL.map { ["--database-url", $0] } ?? ["--state-dir", directory]
        var teams: [String: [String: String]] = [:]
        for (name, team, role) in [("acme", "acme", "member"), ("rivals", "rivals", "member"), ("admin", "acme", "admin"), ("owner", "acme", "owner")] {
            let created = try await CLI.run(["keys", "create", "--team", team, "--role", role] + store)
            #expect(created.status == 0, "\(created.stderr)")
            teams[name] = ["CODEB_TOKEN": created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]
        }
        let (controller, port) = try await ControllerCLITests.startController(
            caddy, directory, environment: databaseURL.map { ["CODEB_DATABASE_URL": $0] } ?? [:], arguments: ["--resync", "1"] + arguments
        )
        var base = ProcessInfo.processInfo.environment
        base["CODEB_SERVER"] = "http://127.0.0.1:\(port)"
        return Host(
            controller: controller, port: port, directory: directory,
            acme: base.merging(teams["acme"]!) { $1 }, rivals: base.merging(teams["rivals"]!) { $1 },
            admin: base.merging(teams["admin"]!) { $1 }, owner: base.merging(teams["owner"]!) { $1 }
        )
    }

    /// Runs `body` with a host named for `id`; afterwards, also when it failed, stops the
    /// controller and removes every container whose project name holds `id`.
    static func withHost(
        _ caddy: CaddyInstance, _ id: String, arguments: [String] = [], databaseURL: String? = nil, _ body: (inout Host) async throws -> Void
    ) async throws {
        var host = try await Self.host(caddy, id, arguments: arguments, databaseURL: databaseURL)
        do {
            try await body(&host)
        } catch {
            await finish(host, id)
            throw error
        }
        await finish(host, id)
    }

    static func finish(_ host: Host, _ id: String) async {
        host.stop()
        let docker = DockerRuntime()
        for container in (try? await docker.listManaged()) ?? [] where container.labels[ManagedLabels.project]?.contains(id) == true {
            try? await docker.remove(container.id)
        }
    }

    static func spec(project: String, team: String, environments: String) -> String {
        """
        project: \(project)
        team: \(team)
        image: codeb-test/web:1
        port: 8080
        resources: { memory: 64m, cpus: 0.5 }
        healthcheck: { interval: 200ms, timeout: 1s, healthyThreshold: 2, deadline: 20s }
        stopTimeout: 1s
        environments:
        \(environments)

        """
    }

    static func apply(_ host: Host, _ text: String, env: String, as team: [String: String], wait: Bool = true) async throws -> CLI.Result {
        let file = host.directory + "/codeb-\(UUID().uuidString.prefix(6)).yaml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try await CLI.run(["apply", "-f", file, "--env", env] + (wait ? ["--wait", "--timeout", "60s"] : []), environment: team)
    }

    static func containers(_ project: String) async throws -> [ContainerInfo] {
        try await DockerRuntime().listManaged().filter { $0.labels[ManagedLabels.project] == project }
    }

    @Test func namesThatConcatenateAlikeNeverChurn() async throws {
        try await CaddyInstance.run { caddy in
            let id = UUID().uuidString.prefix(6).lowercased()
            try await Self.withHost(caddy, id, arguments: ["--preview-domain", "preview.test"]) { host in
                // acme's web/preview-production and rivals' web-preview/production both read
                // web-preview-production.
                let first = try await Self.apply(host, Self.spec(project: "w\(id)", team: "acme", environments: "  preview: {}"), env: "preview-production", as: host.acme)
                #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
                let before = try await Self.containers("w\(id)")
                #expect(before.count == 1)
                let networks = try await DockerRuntime().inspect(try #require(before.first).id)?.networks ?? [:]
                #expect(Array(networks.keys) == ["codeb-acme"], "a team's containers join its network only: \(networks)")
                let domain = "preview-production.w\(id).preview.test"
                #expect(try await caddy.get(domain).body == "codeb-test web v1\n")
                let loads = caddy.loadsCompleted()

                let second = try await Self.apply(host, Self.spec(project: "w\(id)-preview", team: "rivals", environments: "  production: {}"), env: "production", as: host.rivals)
                #expect(second.status != 0)
                #expect(second.stderr.contains("w\(id)-preview-production is taken"), "\(second.stderr)")
                #expect(!second.stderr.contains("acme"), "another team's name is never revealed: \(second.stderr)")

                // The first environment stays untouched: same container, served, no Caddy reload.
                let end = ContinuousClock.now + .seconds(15)
                while ContinuousClock.now < end {
                    let now = try await Self.containers("w\(id)")
                    #expect(now.map(\.id) == before.map(\.id) && now.allSatisfy { $0.state == .running })
                    #expect(try await caddy.get(domain).body == "codeb-test web v1\n")
                    try await Task.sleep(for: .seconds(1))
                }
                #expect(caddy.loadsCompleted() == loads, "no Caddy reload while nothing changed")
                #expect(try await Self.containers("w\(id)-preview").isEmpty)
            }
        }
    }

    @Test func aGeneratedPreviewHostnameIsRefusedToAnotherTeam() async throws {
        try await CaddyInstance.run { caddy in
            let id = UUID().uuidString.prefix(6).lowercased()
            try await Self.withHost(caddy, id, arguments: ["--preview-domain", "preview.test"]) { host in
                let own = try await Self.apply(host, Self.spec(project: "p\(id)", team: "acme", environments: "  preview: {}"), env: "preview-pr-1", as: host.acme)
                #expect(own.status == 0, "\(own.stdout)\(own.stderr)")
                for hostname in ["preview-pr-1.p\(id).preview.test", "blue-preview-pr-1-p\(id).preview.test"] {
                    let text = Self.spec(project: "q\(id)", team: "rivals", environments: "  staging: { domains: [\(hostname)] }")
                    let stolen = try await Self.apply(host, text, env: "staging", as: host.rivals, wait: false)
                    #expect(stolen.status != 0, "\(hostname): \(stolen.stdout)")
                    // Refused before any claim is looked at: codeb generates every name under the preview domain.
                    #expect(stolen.stderr.contains("is under the preview domain preview.test"), "\(stolen.stderr)")
                }
                #expect(try await Self.containers("q\(id)").isEmpty)
                #expect(try await caddy.get("preview-pr-1.p\(id).preview.test").body == "codeb-test web v1\n")
            }
        }
    }

    @Test func anOrphanIsSweptAfterTheDelayAndAStrangerNever() async throws {
        try await CaddyInstance.run { caddy in
            let id = UUID().uuidString.prefix(6).lowercased()
            let stranger = "codeb-stranger-\(id)"
            defer { _ = try? Docker.run(["rm", "-f", stranger]) }
            try await Self.withHost(caddy, id, arguments: ["--orphan-delay", "4", "--preview-domain", "preview.test"]) { host in
                let applied = try await Self.apply(host, Self.spec(project: "o\(id)", team: "acme", environments: "  preview: {}"), env: "preview-x", as: host.acme)
                #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
                let orphan = try #require(try await Self.containers("o\(id)").first)
                // A container codeb did not make, and one codeb made for another store (a test
                // scope's: managed, but without this store's id).
                #expect(try Docker.run(["run", "-d", "--name", stranger, "--label", "codeb.project=o\(id)", "codeb-test/web:1"]).status == 0)
                let scope = TestScope()
                let foreign = try await scope.docker.create(scope.webSpec("foreign", hostPort: FreePort.next()))
                Cleanup.add { await scope.cleanUp() }  // created, never started: holds no port

                // The environment is forgotten while the controller is down.
                host.stop()
                try FileManager.default.removeItem(atPath: host.directory + "/environments/o\(id)/preview-x.json")
                let (controller, port) = try await ControllerCLITests.startController(caddy, host.directory, arguments: ["--resync", "1", "--orphan-delay", "4", "--preview-domain", "preview.test"])
                host.controller = controller
                host.port = port
                let restarted = ContinuousClock.now

                let removed = try await eventually("the orphan removed", within: .seconds(30)) {
                    try await DockerRuntime().inspect(orphan.id) == nil ? ContinuousClock.now : nil
                }
                #expect(removed - restarted >= .seconds(4), "not before the safety delay")
                _ = try await eventually("the orphan site removed") {
                    FileManager.default.fileExists(atPath: caddy.sitesDirectory + "/o\(id)-preview-x.caddy") ? nil : true
                }
                #expect(try await DockerRuntime().inspect(foreign) != nil, "another store's container stays")
                #expect(try Docker.run(["inspect", stranger]).status == 0, "an unmanaged container stays")
                let log = (try? String(contentsOfFile: host.directory + "/controller-\(port).log", encoding: .utf8)) ?? ""
                #expect(log.contains("removed orphan container o\(id)-preview-x-"), "each removal is a log line")
            }
        }
    }

    @Test func anAdminCannotRevokeAnOwnerKeyAndEveryRefusedApplyIsAudited() async throws {
        try await CaddyInstance.run { caddy in
            let id = UUID().uuidString.prefix(6).lowercased()
            try await Self.withHost(caddy, id) { host in
                let listed = try await CLI.run(["keys", "list", "-o", "json"], environment: host.owner)
                #expect(listed.status == 0, "\(listed.stderr)")
                struct Key: Decodable { var id: String; var role: String; var team: String }
                let keys = try JSONDecoder().decode([Key].self, from: Data(listed.stdout.utf8))
                let ownerID = try #require(keys.first { $0.role == "owner" }?.id)
                let refused = try await CLI.run(["keys", "revoke", ownerID], environment: host.admin)
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("cannot revoke a key of role owner"), "\(refused.stderr)")
                #expect(try await CLI.run(["keys", "list"], environment: host.owner).status == 0, "the owner key still works")

                // An admin creates a teammate's key through the API (no state directory here): of its
                // own team, up to admin; the key works at once with its role.
                let teammate = try await CLI.run(["keys", "create", "--role", "viewer", "--name", "teammate"], environment: host.admin)
                #expect(teammate.status == 0, "\(teammate.stderr)")
                let viewer = teammate.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(viewer.hasPrefix("codeb_acme_viewer_"), "\(viewer)")
                #expect(try await CLI.run(["status"], environment: host.admin.merging(["CODEB_TOKEN": viewer]) { $1 }).status == 0, "the new key reads")
                let owner = try await CLI.run(["keys", "create", "--role", "owner"], environment: host.admin)
                #expect(owner.status != 0 && !owner.stdout.contains("codeb_"), "an admin creates no owner key: \(owner.stderr)")
                let foreign = try await CLI.run(["keys", "create", "--role", "viewer", "--team", "rivals"], environment: host.admin)
                #expect(foreign.status != 0 && !foreign.stdout.contains("codeb_"), "nor a key of another team: \(foreign.stderr)")

                // Refused applies: another team's spec, an invalid spec, a name taken by another team.
                let other = try await Self.apply(host, Self.spec(project: "r\(id)", team: "rivals", environments: "  preview: {}"), env: "preview-x", as: host.acme, wait: false)
                #expect(other.status != 0)
                // (The CLI checks a spec before sending it; a client that does not, reaches the API.)
                var post = HTTPClientRequest(url: "http://127.0.0.1:\(host.port)/v1/apply")
                post.method = .POST
                post.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(host.acme["CODEB_TOKEN"] ?? "")")
                post.headers.replaceOrAdd(name: "Content-Type", value: "application/yaml")
                post.body = .bytes(ByteBuffer(string: "project: r\(id)\nteam: acme\nport: 0\n"))
                #expect(try await HTTPClient.shared.execute(post, timeout: .seconds(10)).status.code == 400)
                #expect(try await Self.apply(host, Self.spec(project: "t\(id)", team: "rivals", environments: "  preview: {}"), env: "preview-x", as: host.rivals, wait: false).status == 0)
                let taken = try await Self.apply(host, Self.spec(project: "t\(id)", team: "acme", environments: "  preview: {}"), env: "preview-y", as: host.acme, wait: false)
                #expect(taken.status != 0)

                let audit = try await Self.httpGetJSON(host, "/v1/audit?limit=50", token: host.owner)
                let applies = audit.filter { ($0["action"] as? String) == "apply" && ($0["result"] as? String) != "ok" }
                #expect(applies.compactMap { $0["reason"] as? String } == ["forbidden", "invalid_spec", "conflict"], "\(applies)")
                let revokes = audit.filter { ($0["action"] as? String) == "keys.revoke" }
                #expect(revokes.map { "\($0["result"] ?? "")/\($0["reason"] ?? "")" } == ["denied/forbidden"])
            }
        }
    }

    @Test func aTeamOverItsQuotaIsRefusedNamingTheQuota() async throws {
        try await CaddyInstance.run { caddy in
            let id = UUID().uuidString.prefix(6).lowercased()
            try await Self.withHost(caddy, id, arguments: ["--quota-environments", "1", "--quota-memory", "200m"]) { host in
                let text = Self.spec(project: "k\(id)", team: "acme", environments: "  preview: {}\n  staging: {}")
                #expect(try await Self.apply(host, text, env: "preview-a", as: host.acme, wait: false).status == 0)
                let second = try await Self.apply(host, text, env: "preview-b", as: host.acme, wait: false)
                #expect(second.status != 0)
                #expect(second.stderr.contains("may hold 1 preview environment and holds 1"), "\(second.stderr)")
                let memory = try await Self.apply(host, text, env: "staging", as: host.acme, wait: false)
                // Both slots of an environment count (they run at once during a rollout and the
                // grace period): 2 × 64m used, 2 × 64m asked, over 200m.
                #expect(memory.stderr.contains("may use 200m of memory in all and uses 128m"), "\(memory.stderr)")
                // Another team has its own quota.
                let rivals = try await Self.apply(host, Self.spec(project: "k\(id)x", team: "rivals", environments: "  preview: {}"), env: "preview-a", as: host.rivals, wait: false)
                #expect(rivals.status == 0, "\(rivals.stderr)")
            }
        }
    }

    /// Two teams apply different environments of one new project at the same moment, through
    /// the API of one controller (file store) or of two controllers sharing PostgreSQL: in every
    /// round exactly one team gets the project, and the other's apply wrote nothing.
    @Test(arguments: ["file", "postgres"])
    func twoTeamsRacingForOneNewProjectLeaveExactlyOneOwner(_ store: String) async throws {
        let database = store == "postgres" ? try await TestDatabase.create() : nil
        if let database { Cleanup.add { await database.drop() } }
        try await CaddyInstance.run { caddy in
            let id = UUID().uuidString.prefix(6).lowercased()
            let url = database?.connectionString
            try await Self.withHost(caddy, id, arguments: ["--node", "a"], databaseURL: url) { host in
                // On PostgreSQL, rivals apply through a second controller.
                var second: (Process, Int)?
                if let url {
                    let directory = host.directory + "-b"
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    second = try await ControllerCLITests.startController(caddy, directory, environment: ["CODEB_DATABASE_URL": url], arguments: ["--node", "b"])
                    // Answering /healthz is not having its store ready (an apply before is a 503).
                    let port = second!.1
                    _ = try await eventually("the second controller ready", within: .seconds(60)) {
                        try await httpGet("http://127.0.0.1:\(port)/readyz").status == 200 ? true : nil
                    }
                }
                defer { second?.0.terminate() }
                let ports = [host.port, second?.1 ?? host.port]
                let callers: [(team: String, token: String)] = [("acme", host.acme["CODEB_TOKEN"] ?? ""), ("rivals", host.rivals["CODEB_TOKEN"] ?? "")]
                for round in 0..<20 {
                    let project = "race\(id)\(round)"
                    let statuses = await Self.race(project: project, ports: ports, callers: callers)
                    let winners = statuses.filter { $0.value == 202 }.map(\.key)
                    #expect(winners.count == 1 && statuses.values.contains(409), "round \(round): \(statuses)")
                    for (team, token) in [("acme", host.acme), ("rivals", host.rivals)] {
                        let projects = try await Self.httpGetJSON(host, "/v1/projects", token: token).compactMap { $0["project"] as? String }
                        #expect(projects.contains(project) == winners.contains(team), "round \(round): \(team) sees \(projects)")
                    }
                }
            }
        }
    }

    /// Each caller applies environment `preview-{team}` of `project` through its port, all at
    /// once; the status each got, by team. The environments are placed on another node: nothing
    /// runs here, only the store decides.
    static func race(project: String, ports: [Int], callers: [(team: String, token: String)]) async -> [String: Int] {
        await withTaskGroup(of: (String, Int).self) { group in
            for (index, caller) in callers.enumerated() {
                let port = ports[index]
                group.addTask {
                    let yaml = "project: \(project)\nteam: \(caller.team)\nimage: codeb-test/web:1\nport: 8080\nnodes: [elsewhere]\nenvironments:\n  preview: {}\n"
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/apply?environment=preview-\(caller.team)")
                    request.method = .POST
                    request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(caller.token)")
                    request.headers.replaceOrAdd(name: "Content-Type", value: "application/yaml")
                    request.body = .bytes(ByteBuffer(string: yaml))
                    let status = (try? await HTTPClient.shared.execute(request, timeout: .seconds(30)).status.code).map { Int($0) } ?? 0
                    return (caller.team, status)
                }
            }
            return await group.reduce(into: [String: Int]()) { $0[$1.0] = $1.1 }
        }
    }

    /// GET `path` on the host's API with `token`'s key, as a JSON array of objects.
    static func httpGetJSON(_ host: Host, _ path: String, token: [String: String]) async throws -> [[String: Any]] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(host.port)\(path)")
        request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token["CODEB_TOKEN"] ?? "")")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        #expect(response.status.code == 200)
        return try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]] ?? []
    }

    /// Runs `body` in a test scope, then — once the scope's containers are gone, so the
    /// networks have no endpoints left — removes the team networks it used.
    static func withTeamNetworks(_ teams: [String], _ body: (TestScope) async throws -> Void) async throws {
        func removeNetworks() async {
            for team in teams { try? await DockerRuntime().removeNetwork(ManagedLabels.network(of: team)) }
        }
        do {
            try await TestScope.run(body)
        } catch {
            await removeNetworks()
            throw error
        }
        await removeNetworks()
    }

    @Test func theFirstContainersOfATeamCreatedAtOnceShareOneNetwork() async throws {
        let team = "n" + UUID().uuidString.prefix(8).lowercased()
        try await Self.withTeamNetworks([team]) { scope in
            let network = ManagedLabels.network(of: team)
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        var spec = scope.webSpec("c\(index)", hostPort: FreePort.next())
                        spec.labels[ManagedLabels.team] = team
                        spec.network = network
                        return try await scope.docker.create(spec)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var attached: Set<String> = []
            for id in ids {
                let networks = try #require(try await scope.docker.inspect(id)?.networks)
                #expect(Array(networks.keys) == [network])
                attached.formUnion(networks.keys)
            }
            let listed = try Docker.run(["network", "ls", "--filter", "name=\(network)", "--format", "{{.ID}} {{.Name}}"])
            let same = listed.stdout.split(separator: "\n").filter { $0.hasSuffix(" \(network)") }
            #expect(same.count == 1, "one network of that name is left: \(listed.stdout)")
        }
    }

    @Test func teamsReachTheirOwnContainersByNameAndNothingOfAnotherTeam() async throws {
        let id = UUID().uuidString.prefix(8).lowercased()
        let teamA = "a\(id)", teamB = "b\(id)"
        try await Self.withTeamNetworks([teamA, teamB]) { scope in
            func spec(_ suffix: String, team: String, command: [String]? = nil) -> ContainerSpec {
                var spec = scope.webSpec(suffix, hostPort: FreePort.next(), command: command)
                spec.labels[ManagedLabels.team] = team
                spec.network = ManagedLabels.network(of: team)
                return spec
            }
            let a = try await scope.docker.create(spec("a", team: teamA))
            let b = try await scope.docker.create(spec("b", team: teamB))
            try await scope.docker.start(a)
            try await scope.docker.start(b)
            let addressOfA = try #require(try await scope.docker.inspect(a)?.networks?[ManagedLabels.network(of: teamA)])
            #expect(!addressOfA.isEmpty)

            /// From a new container of team B, GET /health on `target` (a name, resolved through
            /// the network's DNS, or an address); returns the probe's exit code, 0 for a 200.
            /// (busybox-static's wget crashes in glibc's NSS, so nslookup and nc do the work; a
            /// dropped SYN would keep nc waiting for minutes, so `timeout` bounds it.)
            func getFromB(_ suffix: String, _ target: String, byName: Bool) async throws -> Int {
                let b = "/usr/bin/busybox"
                let resolve = byName
                    ? "a=$(\(b) nslookup \(target) 127.0.0.11 | \(b) awk '/^Address: /{print $2}' | \(b) tail -n 1); test -n \"$a\" || exit 2; "
                    : "a=\(target); "
                let script = resolve + "printf 'GET /health HTTP/1.0\\r\\n\\r\\n' | \(b) timeout 5 \(b) nc $a 8080 | \(b) grep -q '200 OK'"
                let probe = try await scope.docker.create(spec(suffix, team: teamB, command: [b, "sh", "-c", script]))
                try await scope.docker.start(probe)
                return try await eventually("\(suffix) exits", within: .seconds(30)) {
                    // Restarted by its policy after each exit: any state but running has exited once.
                    guard let info = try await scope.docker.inspect(probe), [.exited, .restarting].contains(info.state) else { return nil }
                    return info.exitCode
                }
            }
            #expect(try await getFromB("own", scope.name("b"), byName: true) == 0, "a team reaches its own containers by name")
            #expect(try await getFromB("other", addressOfA, byName: false) == 1, "and not another team's by address (no answer)")
            #expect(try await getFromB("othername", scope.name("a"), byName: true) == 2, "nor by name (it does not resolve)")
        }
    }
}

}

/// The docker CLI, for what codeb itself never does (an unmanaged container).
enum Docker {
    static func run(_ arguments: [String]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker") ? "/usr/bin/docker" : "/usr/local/bin/docker")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: error, as: UTF8.self))
    }
}
