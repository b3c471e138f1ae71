@testable import Controller
import State
import Testing

/// The metric catalogue: every family exposed with its help from the start.
@Suite struct MetricFamilyTests {
    @Test func knownSeriesAreTheClosedLabelSetsAndNoneWhereALabelIsOpen() {
        #expect(MetricFamily.reconcilesTotal.knownSeries.map { $0.map(\.1) } == [["ok"], ["error"]])
        #expect(MetricFamily.leasesHeld.knownSeries.count == 1 && MetricFamily.leasesHeld.knownSeries[0].isEmpty, "one unlabelled series")
        #expect(MetricFamily.slots.knownSeries.isEmpty, "by team: open")
        #expect(MetricFamily.notificationsTotal.knownSeries.isEmpty, "by event: open")
    }

    @Test func theTextGetsEachFamilysHelpAndEveryFamilyNotYetRecorded() {
        let recorded = "# TYPE codeb_queue_depth gauge\ncodeb_queue_depth 3\n"
        let text = MetricFamily.annotated(recorded)
        #expect(text.hasPrefix("# HELP codeb_queue_depth Environments waiting for a worker.\n# TYPE codeb_queue_depth gauge\ncodeb_queue_depth 3\n"))
        for family in MetricFamily.allCases {
            #expect(text.components(separatedBy: "# TYPE \(family.name) ").count == 2, "\(family.name) typed once")
            #expect(text.contains("# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)"), "\(family.name)")
        }
    }

    @Test func aHistogramsSeriesNamesItsFamily() {
        #expect(MetricFamily.named("codeb_reconcile_seconds_bucket") == .reconcileSeconds)
        #expect(MetricFamily.named("codeb_reconciles_total") == .reconcilesTotal)
        #expect(MetricFamily.named("codeb_reconciles_total_count") == nil, "a counter has no _count series")
    }
}
