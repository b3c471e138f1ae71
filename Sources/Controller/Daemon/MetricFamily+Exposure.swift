import Metrics
import State

extension MetricFamily {
    /// Creates every series whose labels are known ahead at zero, once the metrics system is
    /// bootstrapped and before anything records: a family is exposed from the controller's start.
    public static func exposeKnownSeries() {
        for family in allCases {
            for dimensions in family.knownSeries {
                switch family.kind {
                case .counter: Counter(label: family.name, dimensions: dimensions).increment(by: 0)
                case .gauge: Meter(label: family.name, dimensions: dimensions).set(0)
                case .histogram: _ = Timer(label: family.name, dimensions: dimensions)
                }
            }
        }
    }

    /// Prometheus text as the registry wrote it, with each family's `# HELP` before its
    /// `# TYPE`, and every family not recorded yet (one with open labels) as an empty family.
    public static func annotated(_ text: String) -> String {
        var seen: Set<MetricFamily> = []
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.split(separator: " ").dropFirst(2).first, let family = MetricFamily(rawValue: String(name)) {
                seen.insert(family)
                lines.append(Substring("# HELP \(family.name) \(family.help)"))
            }
            lines.append(line)
        }
        var out = lines.joined(separator: "\n")
        for family in allCases where !seen.contains(family) {
            if !out.isEmpty, !out.hasSuffix("\n") { out += "\n" }
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.rawValue)\n"
        }
        return out
    }
}
