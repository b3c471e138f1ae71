import Controller
import Drivers
import Foundation
import Spec
import State
import Synchronization
import TestSupport
import Testing

/// Bakes on the real dockerd and a real Caddy ≥ 2.8 under steady user traffic: a release that
/// passes its health check but answers a third of its users with 500 goes back to the warm
/// previous slot by itself — one route-file switch, no reload — soon after `min-requests` of its
/// requests were logged; a good release stays live through its bake.
extension EndToEndTests {
    /// Users: requests to the app page, one after another on `lanes` connections, each answer
    /// kept with when it ended.
    final class Users: Sendable {
        struct Answer: Sendable { var end: Date; var status: Int; var body: String }
        let answers = Mutex<[Answer]>([])
        let caddy: CaddyInstance
        let domain: String

        init(caddy: CaddyInstance, domain: String) {
            self.caddy = caddy
            self.domain = domain
        }

        func run(lanes: Int = 1) async {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<lanes {
                    group.addTask {
                        while !Task.isCancelled {
                            let answer = try? await self.caddy.get(self.domain, "/cgi-bin/app")
                            let kept = Answer(end: Date(), status: answer?.status ?? 0, body: answer?.body ?? "")
                            self.answers.withLock { $0.append(kept) }
                            // About 40 requests/s: each is a CGI fork in the app; more would starve
                            // the tests running beside this one on two cores.
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
        }

        /// Answers from `version` (its body starts `v3`), oldest first.
        func from(_ version: Int) -> [Answer] {
            answers.withLock { $0 }.filter { $0.body.hasPrefix("v\(version)") }
        }
    }

    static func bakeSpec(_ project: String, _ version: Int, bake: String?) -> String {
        """
        project: \(project)
        team: acme
        image: codeb-test/web:\(version)
        port: 8080
        resources: { memory: 64m, cpus: 0.5 }
        healthcheck: { path: /health, interval: 200ms, timeout: 1s, healthyThreshold: 2, deadline: 60s }
        grace: 1h
        stopTimeout: 1s\(bake.map { "\nbake: \($0)" } ?? "")
        environments:
          production: { domains: [\(project).test] }

        """
    }

    @Test(.timeLimit(.minutes(3)))
    func aReleaseThatFailsUsersIsRevertedByItsBakeWithoutAReloadAndAGoodOneStays() async throws {
        try Self.requireProductionPortsFree()
        try await CaddyInstance.run(modern: true) { caddy in
            let router = caddy.router(switching: .auto, accessLogDirectory: caddy.directory + "/access-logs")
            let world = try World(caddy: caddy, router: router)
            let reconciler = Reconciler(store: world.store, runtime: world.docker, router: router, probe: HTTPHealthProbe(), traffic: CaddyAccessLogs(router: router))
            func apply(_ version: Int, bake: String?) async throws {
                let spec = try SpecLoader.load(Self.bakeSpec(world.project, version, bake: bake), file: "codeb.yaml")
                try await world.operations.apply(spec, environment: .production, author: "e2e")
            }
            func converge(_ what: String, within deadline: Duration = .seconds(60), _ done: () async throws -> Bool) async throws {
                _ = try await eventually(what, within: deadline, every: .milliseconds(20)) { () -> Bool? in
                    let requeue = try await reconciler.reconcile(world.key)
                    if try await done() { return true }
                    try await Task.sleep(for: min(requeue ?? .milliseconds(100), .milliseconds(100)))
                    return nil
                }
            }
            let users = Users(caddy: caddy, domain: world.domain)
            let traffic = Task { await users.run() }
            defer { traffic.cancel() }
            do {
                // v1 live, with no bake.
                try await apply(1, bake: nil)
                try await converge("v1 live") { await world.state()?.blue.state == .active }
                let watching = await router.accessLogs()
                #expect(watching?.directory != nil, "\(watching?.reason ?? "not decided")")
                let loads = caddy.loadsCompleted()

                // v3 answers a third of the app's requests with 500; its health check passes.
                try await apply(3, bake: "{ for: 60s, max-error-rate: 2%, min-requests: 30 }")
                try await converge("v3 reverted") { await world.state()?.green.state == .failed }
                let state = try #require(await world.state())
                let green = state.green, blue = state.blue
                #expect(green.failureReason == .reverted)
                let failure = green.failure ?? ""
                #expect(failure.hasPrefix("reverted to revision 1: 5xx ") && failure.contains(" requests, bar 2%"), "\(failure)")
                #expect(blue.state == .active && blue.revision == 1)
                #expect(state.status.condition(.degraded)?.reason == .reverted)
                // The verdict came within a second of the 30th v3 request a user saw end.
                let v3 = users.from(3)
                #expect(v3.count >= 30, "users saw \(v3.count) answers from v3")
                let switched = try #require(green.promotedAt), reverted = try #require(blue.promotedAt)
                if v3.count >= 30 {
                    let decision = reverted.timeIntervalSince(v3[29].end)
                    print("bake: switch → revert \(String(format: "%.2f", reverted.timeIntervalSince(switched))) s; 30th v3 request → revert \(String(format: "%.2f", decision)) s; users saw \(v3.filter { $0.status >= 500 }.count) server errors of \(v3.count) v3 answers")
                    #expect(decision < 1.0, "reverted \(decision) s after the 30th request to v3 ended (switch → revert \(reverted.timeIntervalSince(switched)) s)")
                }
                #expect(caddy.loadsCompleted() == loads, "the switch and the revert are route-file switches")
                try await converge("users see v1 again") { users.answers.withLock { $0.last?.body } == "v1\n" }
                let stopped = try #require(try await world.containers().first { $0.name.hasSuffix("-green") })
                try await converge("v3 stopped, kept for its logs") { try await world.docker.inspect(stopped.id)?.state == .exited }
                // Not promoted again by itself.
                for _ in 0..<3 { _ = try await reconciler.reconcile(world.key) }
                #expect(await world.state()?.blue.state == .active)

                // v2 is healthy for users: live through its bake, and after it.
                try await apply(2, bake: "{ for: 10s, max-error-rate: 2%, min-requests: 10 }")
                try await converge("v2 live and baked") {
                    let state = await world.state()
                    return state?.slots.contains { $0.state == .active && $0.revision == 3 && $0.bakeUntil == nil } == true
                }
                let after = try #require(await world.state())
                let live = try #require(after.slots.first { $0.state == .active })
                #expect(live.revision == 3 && live.failure == nil)
                // (A request v2 drops is answered by the warm v1: passive health skips v2 for a second.)
                try await converge("users see v2") { users.answers.withLock { $0.last?.body } == "v2\n" }
                let failedV2 = users.from(2).filter { $0.status >= 500 }.count
                #expect(failedV2 == 0, "\(failedV2) of v2's answers were server errors")
                #expect(caddy.loadsCompleted() == loads, "no reload for any of it")
            } catch {
                traffic.cancel()
                await world.cleanUp()
                throw error
            }
            traffic.cancel()
            await world.cleanUp()
        }
    }
}
