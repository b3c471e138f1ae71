import AsyncHTTPClient
import Controller
import Drivers
import Foundation
import Hummingbird
import NIOCore
import Spec
import State
import TestSupport

/// The two stores side by side: apply latency through the real HTTP API, and the store's share
/// of a no-op resync over 1,000 environments.
enum StoreBench {
    static func run() async throws {
        let fileDirectory = NSTemporaryDirectory() + "codeb-bench-" + UUID().uuidString.prefix(8)
        let file = try FileStore(directory: fileDirectory)
        let database = try await TestDatabase.create()

        let (fileApply, healthz) = try await applyThroughAPI(databaseURL: nil)
        let (postgresApply, _) = try await applyThroughAPI(databaseURL: database.connectionString)
        let postgres = try await RunningPostgresStore.start(database.url)
        print("store A. apply through the HTTP API (POST /v1/apply, a new revision each time, no reconcile loop running)")
        print("   " + fileApply.line("file store"))
        print("   " + postgresApply.line("PostgreSQL store (\(postgres.store.database.url.host):\(postgres.store.database.url.port))"))
        print("   " + healthz.line("floor: GET /healthz through the same client"))
        print(String(format: "   ratio: file / floor = %.1f, PostgreSQL / floor = %.1f, PostgreSQL / file = %.2f",
                     fileApply.median / healthz.median, postgresApply.median / healthz.median, postgresApply.median / fileApply.median))
        print("")

        let (fileResync, _) = try await resyncStoreShare(file, leases: SoleController(node: .local))
        let (postgresResync, postgresAcquire) = try await resyncStoreShare(postgres.store, leases: postgres.store)
        print("store B. the store's share of a no-op resync over 1,000 environments (keys, then load + lease per environment)")
        print("   " + fileResync.line("file store: whole resync"))
        print("   " + postgresResync.line("PostgreSQL: whole resync"))
        print("   " + postgresAcquire.line("PostgreSQL: of which lease renewals"))
        print(String(format: "   per environment: file %.1f µs, PostgreSQL %.1f µs; ratio PostgreSQL / file = %.0f",
                     fileResync.median / 1000 * 1e6, postgresResync.median / 1000 * 1e6, postgresResync.median / fileResync.median))
        print("")
        try await authentication(postgres.store.database)
        await postgres.stop()
        await database.drop()
    }

    /// Authenticating one request with 1,000 keys in the database: by hash (one indexed row,
    /// then the cache), side by side with reading every key as authentication did before.
    static func authentication(_ database: PostgresDatabase) async throws {
        let keys = PostgresKeyStore(database: database)
        let authenticator = Authenticator(keys: keys)
        var presented: [String] = []
        for index in 0..<1000 {
            let (key, _) = try await authenticator.createKey(team: try ResourceName(parsing: "t\(index % 50)"), role: .member, name: "k\(index)", createdBy: "bench")
            presented.append(key.text)
        }
        var cached: [Double] = [], uncached: [Double] = [], everyKey: [Double] = []
        for round in 0..<200 {
            let text = presented[round * 5 % presented.count]
            database.keyCache.clear()
            let (first, cold) = try await time { try await authenticator.authenticate(text) }
            let (second, warm) = try await time { try await authenticator.authenticate(text) }
            guard first != nil, second != nil else { throw BenchFailure("a created key did not authenticate") }
            let (_, all) = try await time { try await keys.keys().count }
            uncached.append(cold)
            cached.append(warm)
            everyKey.append(all)
        }
        let cold = Stats(uncached), warm = Stats(cached), floor = Stats(everyKey)
        print("store C. authenticating one API request, 1,000 keys in PostgreSQL")
        print("   " + cold.line("by hash, not cached (one indexed row)"))
        print("   " + warm.line("by hash, cached (until a revocation is announced)"))
        print("   " + floor.line("before: reading every key"))
        print(String(format: "   ratio: every key / by hash = %.1f, every key / cached = %.0f", floor.median / cold.median, floor.median / max(warm.median, 1e-9)))
        print("")
    }

    /// 200 applies through the daemon's API on loopback (the file store, or PostgreSQL at
    /// `databaseURL`); returns (applies, GET /healthz floor).
    static func applyThroughAPI(databaseURL: String?) async throws -> (Stats, Stats) {
        let bench = try await BenchAPIServer.start(databaseURL: databaseURL)
        let (port, client) = (bench.port, bench.client)
        let project = "api" + UUID().uuidString.prefix(6).lowercased()
        var applies: [Double] = [], floors: [Double] = []
        for round in 0..<220 {
            let spec = BenchAPIServer.spec(project, round: "\(round)")
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/apply")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(bench.key)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(ApplyRequest(spec: spec, environments: ["production"]))))
            let (status, elapsed) = try await time {
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
                return response.status.code
            }
            guard status == 202 else { throw BenchFailure("apply answered HTTP \(status)") }
            let (_, floor) = try await time {
                let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            if round >= 20 {  // the first 20 warm up connections and caches
                applies.append(elapsed)
                floors.append(floor)
            }
        }
        await bench.stop()
        return (Stats(applies), Stats(floors))
    }

    /// 1,000 environments, then 20 resyncs of what a converged pass asks of the store.
    static func resyncStoreShare(_ store: any Store, leases: any LeaseKeeper) async throws -> (Stats, Stats) {
        let team = try ResourceName(parsing: "bench")
        let suffix = UUID().uuidString.prefix(4).lowercased()
        for index in 0..<1000 {
            let key = EnvironmentKey(project: try ResourceName(parsing: "p\(suffix)-\(index)"), environment: .staging)
            try await store.update(key) { state, _ in
                state = EnvironmentState(key: key, team: team, ports: PortPair(blue: 20000 + 2 * index))
            }
        }
        var passes: [Double] = [], renewals: [Double] = []
        for _ in 0..<20 {
            var leaseTime = 0.0
            let (_, elapsed) = try await time {
                for key in try await store.keys() where key.project.value.hasPrefix("p\(suffix)-") {
                    _ = try await store.load(key)
                    let (_, acquire) = try await time { try await leases.acquire(key) }
                    leaseTime += acquire
                }
            }
            passes.append(elapsed)
            renewals.append(leaseTime)
        }
        return (Stats(passes), Stats(renewals))
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
