@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing
import TestSupport

/// `--ports`: each kind's range of host ports, widened or moved on hosts that need more; a full
/// range refuses the apply naming the range and how to widen it.
@Suite struct PortRangesTests {
    @Test(arguments: [
        ("", "production=4100-4499,staging=4500-4999,preview=5000-5499"),
        ("production=4100-4999,staging=5000-5499,preview=5500-5999", "production=4100-4999,staging=5000-5499,preview=5500-5999"),
        ("staging=6000-6999, preview=7000-7999", "production=4100-4499,staging=6000-6999,preview=7000-7999"),
    ])
    func rangesAreReadKindByKind(text: String, expected: String) throws {
        #expect(try PortRanges(parsing: text).description == expected)
    }

    @Test(arguments: [
        ("dev=4100-4200", "production, staging or preview"),
        ("production=4100", "low-high"),
        ("production=80-4499", "1024-65535"),
        ("production=4101-4101", "no blue/green pair"),
        ("production=4100-4600", "overlap"),
    ])
    func badRangesAreRefusedSayingWhy(text: String, message: String) {
        let error = #expect(throws: InvalidValue.self) { try PortRanges(parsing: text) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    static func spec(_ project: String) throws -> Spec {
        try SpecLoader.load("project: \(project)\nteam: acme\nimage: codeb-test/web:1\nport: 8080\nenvironments:\n  staging: {}\n", file: "f")
    }

    @Test func pairsComeFromTheConfiguredRangeAndAFullOneSaysHowToWidenIt() async throws {
        let store = MemoryStore()
        let ranges = try PortRanges(parsing: "staging=6000-6003")
        let operations = StateOperations(store: store, ports: ranges)
        try await operations.apply(try Self.spec("a"), environment: .staging, author: "t")
        try await operations.apply(try Self.spec("b"), environment: .staging, author: "t")
        #expect(await store.load(EnvironmentKey(project: try ResourceName(parsing: "a"), environment: .staging))?.ports == PortPair(blue: 6000))
        #expect(await store.load(EnvironmentKey(project: try ResourceName(parsing: "b"), environment: .staging))?.ports == PortPair(blue: 6002))
        let error = await #expect(throws: StoreError.self) { try await operations.apply(try Self.spec("c"), environment: .staging, author: "t") }
        #expect(error?.kind == .exhausted)
        #expect(error?.message.contains("the staging range 6000–6003") == true && error?.message.contains("--ports staging=6000-") == true, "\(error?.message ?? "")")
        #expect(await store.keys().count == 2)
    }
}
