@testable import Controller
import Drivers
import Foundation
import Spec
import State
import Testing
import TestSupport

extension StoreConformanceTests {
    static func placed(_ project: String, team: String = "acme", nodes: [String]) throws -> Spec {
        try SpecLoader.load("""
            project: \(project)
            team: \(team)
            image: codeb-test/web:1
            port: 8080
            environments:
              production: { domains: [\(project).test]\(nodes.isEmpty ? "" : ", nodes: [\(nodes.joined(separator: ", "))]") }

            """, file: "codeb.yaml")
    }

    @Test(arguments: StoreKind.allCases)
    func portsAreUniquePerNode(kind: StoreKind) async throws {
        try await StoreHarness.with(kind) { harness in
            let store = try await harness.open()
            let operations = StateOperations(store: store)
            try await operations.apply(try Self.placed("one", nodes: ["app-1"]), environment: .production, author: "t")
            try await operations.apply(try Self.placed("two", team: "globex", nodes: ["app-2"]), environment: .production, author: "t")
            // Two nodes, one port pair each: both take the first.
            #expect(try await store.load(Self.key("one"))?.ports == PortPair(blue: 4100, spare: 4499))
            #expect(try await store.load(Self.key("two"))?.ports == PortPair(blue: 4100, spare: 4499))
            // Placed on any node: clashes with both.
            try await operations.apply(try Self.placed("anywhere", nodes: []), environment: .production, author: "t")
            #expect(try await store.load(Self.key("anywhere"))?.ports == PortPair(blue: 4102, spare: 4498))
            // On both nodes: clear of every port either holds.
            try await operations.apply(try Self.placed("both", nodes: ["app-1", "app-2"]), environment: .production, author: "t")
            #expect(try await store.load(Self.key("both"))?.ports == PortPair(blue: 4104, spare: 4497))
            // Moved onto a node where its ports are taken: refused, nothing changes; another team's
            // environment is not named.
            let error = await #expect(throws: StoreError.self) {
                try await operations.apply(try Self.placed("one", nodes: ["app-2"]), environment: .production, author: "t")
            }
            #expect(error?.kind == .conflict)
            #expect(error?.message.contains("4100, 4101") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("two") == false, "\(error?.message ?? "")")
            #expect(try await store.load(Self.key("one"))?.nodes == [try NodeName(parsing: "app-1")])
            // Freed on one node, taken again there only.
            try await store.update(Self.key("one")) { state, _ in state = nil }
            try await operations.apply(try Self.placed("three", nodes: ["app-1"]), environment: .production, author: "t")
            #expect(try await store.load(Self.key("three"))?.ports.blue == 4100)
        }
    }
}
