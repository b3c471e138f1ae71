@testable import Controller
import Drivers
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import State
import Testing
import TestSupport

/// Anyone who can reach the API's port can send junk: the audit log keeps a bounded account of
/// it, and keeps itself bounded on disk, and a page of it reads only what it returns.
@Suite struct AuditFloodTests {
    @Test func aFloodWithoutAKeyIsWrittenAsABurstAMinuteAndCounted() async throws {
        let directory = NSTemporaryDirectory() + "codeb-flood-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock()
        let keys = try FileKeyStore(directory: directory)
        let api = ControllerAPI(store: try FileStore(directory: directory), keys: keys, time: clock)
        let app = Application(router: api.routes())
        try await app.test(.router) { client in
            for _ in 0..<1_000 {
                try await client.execute(uri: "/v1/apply", method: .post, body: ByteBuffer(string: "junk")) { #expect($0.status == .unauthorized) }
            }
            clock.advance(by: 61)
            try await client.execute(uri: "/v1/teams", method: .post, headers: [.authorization: "Bearer codeb_x_owner_nope"]) { #expect($0.status == .unauthorized) }
        }
        let log = try await keys.auditLog(team: nil, limit: 5000)
        #expect(log.count == 11, "10 of the first minute's 1,000, then one saying how many were not written: \(log.count)")
        #expect(log.allSatisfy { $0.result == "unauthorized" && $0.action == "request" })
        #expect(log.last?.detail.contains("990 more attempts without a valid key from this address in the minute before were not written") == true, "\(log.last?.detail ?? "")")
    }

    @Test func theThrottleTellsSourcesApartAndBoundsItsMemory() {
        let throttle = UnauthenticatedAuditThrottle(window: 60, burst: 1, addresses: 2)
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(throttle.admit("10.0.0.1", at: now).write && throttle.admit("10.0.0.2", at: now).write)
        #expect(!throttle.admit("10.0.0.1", at: now).write)
        // A third source while two windows are open shares the overflow count.
        #expect(throttle.admit("10.0.0.3", at: now).write && !throttle.admit("10.0.0.4", at: now).write)
        let later = throttle.admit("10.0.0.1", at: now.addingTimeInterval(61))
        #expect(later.write && later.unwritten == 1)
    }

    @Test func theFileLogRotatesBySizeAndPagesFromTheEnd() async throws {
        let directory = NSTemporaryDirectory() + "codeb-rotate-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = try FileKeyStore(directory: directory, retention: AuditRetention(maxBytes: 8192, keepFiles: 2))
        let start = Date(timeIntervalSince1970: 1_900_000_000)
        for index in 0..<500 {
            try await keys.audit(AuditEntry(time: start.addingTimeInterval(Double(index)), keyID: "k", team: index % 2 == 0 ? "acme" : "other",
                                            action: "apply", target: "shop/production", result: "ok", detail: "entry \(index)"))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("audit.jsonl") }.sorted()
        #expect(files == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"], "\(files)")
        for file in files {
            let size = try FileManager.default.attributesOfItem(atPath: directory + "/" + file)[.size] as? Int ?? .max
            #expect(size <= 8192, "\(file): \(size) bytes")
        }
        let newest = try await keys.auditLog(team: "acme", limit: 10)
        #expect(newest.map(\.detail) == stride(from: 480, through: 498, by: 2).map { "entry \($0)" })
        let page = try await keys.auditLog(team: "acme", limit: 10, before: newest.first?.time)
        #expect(page.map(\.detail) == stride(from: 460, through: 478, by: 2).map { "entry \($0)" })
        // What the kept files hold, and nothing older: the oldest pages simply end.
        let all = try await keys.auditLog(team: nil, limit: 5000)
        #expect(all.count < 500 && all.last?.detail == "entry 499" && all.count > 50)
    }
}
