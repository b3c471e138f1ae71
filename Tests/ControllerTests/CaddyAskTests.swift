import APIModel
@testable import Controller
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /caddy/ask`: Caddy's on-demand TLS asks before getting a certificate; only the names
/// environments claim get one, and the answer reveals nothing else.
@Suite struct CaddyAskTests {
    @Test func onlyAClaimedHostnameMayGetACertificateAndNoKeyIsNeeded() async throws {
        let world = try await RoleMatrixTests.World()
        let app = Application(router: world.api.routes())
        try await app.test(.router) { client in
            // Both teams' domains: Caddy asks for the host, not for a team.
            for claimed in ["shop.test", "rival.test"] {
                try await client.execute(uri: "/caddy/ask?domain=\(claimed)", method: .get) { #expect($0.status == .ok, "\(claimed)") }
            }
            var answers: Set<String> = []
            for unclaimed in ["other.test", "shop.test.evil", "not%20a%20host", String(repeating: "a", count: 300)] {
                try await client.execute(uri: "/caddy/ask?domain=\(unclaimed)", method: .get) { response in
                    #expect(response.status == .notFound, "\(unclaimed)")
                    answers.insert(String(buffer: response.body))
                }
            }
            #expect(answers.count == 1, "one answer for every name not claimed: \(answers)")
            try await client.execute(uri: "/caddy/ask", method: .get) { #expect($0.status == .badRequest) }
        }
        // A read: nothing audited.
        #expect(try await world.api.keys.auditLog(team: nil, limit: 10).isEmpty)
    }

    /// A domain applied a moment ago is claimed at once (a miss looks again); a storm of asks
    /// for unknown names reads the store at most once per `recheck`.
    @Test func aNewDomainIsFoundAtOnceAndAStormOfMissesReadsLittle() async throws {
        let names = Names(["a.test"])
        let eager = ClaimedHostnames(fresh: .seconds(60), recheck: .zero)
        #expect(try await eager.contains("a.test") { await names.all })
        await names.add("b.test")
        #expect(try await eager.contains("b.test") { await names.all }, "a miss reads again")

        let reads = Counter()
        let calm = ClaimedHostnames(fresh: .seconds(60), recheck: .seconds(60))
        for _ in 0..<1000 {
            _ = try await calm.contains("unknown.test") { await reads.add(); return await names.all }
        }
        let count = await reads.count
        #expect(count == 1, "\(count) reads for 1,000 asks")
        #expect(try await calm.contains(nil) { await reads.add(); return [] } == false)
        #expect(await reads.count == 1, "no hostname, no read")
    }

    actor Counter {
        var count = 0
        func add() { count += 1 }
    }

    actor Names {
        var all: Set<String>
        init(_ names: Set<String>) { all = names }
        func add(_ name: String) { all.insert(name) }
    }
}
