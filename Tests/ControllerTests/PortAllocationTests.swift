@testable import Controller
import Foundation
import Spec
import State
import Testing
import TestSupport

/// A full port range refuses the apply naming the range and how to widen it.
@Suite struct PortAllocationTests {
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
