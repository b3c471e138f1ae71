import APIModel
@testable import Controller
import Foundation
import Spec
import Testing
import TestSupport

/// What the API (and so the console) shows of an environment's slots.
@Suite struct EnvironmentViewTests {
    @Test func deployedAndActiveSlotsShowTheirPreviewHostnameOnlyWithAPreviewDomain() throws {
        var state = Fixture.state(versions: [1, 2])
        state[.blue] = Fixture.record(.blue, .active, revision: 1, version: 1)
        state[.green] = Fixture.record(.green, .deployed, revision: 2, version: 2)
        let view = EnvironmentView(state, previewDomain: try Hostname(parsing: "preview.test"))
        #expect(view.previews == ["blue": "blue-production-shop.preview.test", "green": "green-production-shop.preview.test"])
        state[.blue] = Fixture.record(.blue, .grace, revision: 1, version: 1, graceUntil: Fixture.t0 + 60)
        #expect(EnvironmentView(state, previewDomain: try Hostname(parsing: "preview.test")).previews == ["green": "green-production-shop.preview.test"],
                "a grace slot is not routed at a preview hostname")
        #expect(EnvironmentView(state).previews == nil)
    }
}
