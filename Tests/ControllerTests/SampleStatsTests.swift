import Testing
import TestSupport

/// The benchmarks' figures: a tail of fewer than 20 samples is the maximum, and is called so.
@Suite struct SampleStatsTests {
    @Test func underTwentySamplesTheTailIsTheMaximumAndSaysSo() {
        let few = SampleStats([0.010, 0.012, 0.011, 0.050, 0.013])
        #expect(few.tail.name == "max" && few.tail.value == 0.050)
        #expect(few.line("apply") == "apply: median 12.00 ms, max 50.00 ms, n=5")
        #expect(!few.line("apply").contains("p95"))
    }

    @Test func fromTwentySamplesItIsTheNearestRankP95() {
        let many = SampleStats((1...20).map { Double($0) / 1000 })
        #expect(many.tail.name == "p95" && many.tail.value == 0.019)
        #expect(many.line("apply") == "apply: median 10.00 ms, p95 19.00 ms, n=20")
        #expect(many.values("%.0f", unit: "MiB").hasSuffix(", n=20"))
    }
}
