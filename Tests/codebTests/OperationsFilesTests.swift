import Foundation
import State
import Testing

/// The files a platform team copies: the Grafana dashboard, the CI workflow, shell completions.
@Suite struct OperationsFilesTests {
    /// Every metric family, from the catalogue (`MetricFamily`): the code records through it.
    static let metricNames = Set(MetricFamily.allCases.map(\.name))

    /// The code names no metric itself: a metric is recorded by its catalogue entry.
    @Test func noMetricIsNamedOutsideTheCatalogue() throws {
        let sources = PackagePaths.root.appending(path: "Sources")
        var found = 0
        for path in try FileManager.default.subpathsOfDirectory(atPath: sources.path) where path.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appending(path: path), encoding: .utf8)
            found += text.matches(of: /label: MetricFamily\.\w+\.name/).count
            #expect(text.matches(of: /label: "codeb_/).isEmpty, "\(path) names a metric itself")
        }
        #expect(found >= 30, "\(found) recordings through the catalogue")
    }

    /// The operating guide's metrics table names every family, and only families.
    @Test func theOperatingGuideTablesEveryMetric() throws {
        let text = try String(contentsOf: PackagePaths.root.appending(path: "docs/operating.md"), encoding: .utf8)
        let table = try #require(text.range(of: "## 7. What the metrics say")).upperBound
        let section = text[table...].prefix { _ in true }.split(separator: "\n## ", maxSplits: 1).first ?? ""
        let named = Set(section.matches(of: /`(codeb_[a-z_]+)/).map { String($0.1) })
        #expect(named == Self.metricNames, "in the table, not families: \(named.subtracting(Self.metricNames).sorted()); families missing: \(Self.metricNames.subtracting(named).sorted())")
    }

    @Test func theDashboardChartsEveryMetricAndNoOther() throws {
        let url = PackagePaths.root.appending(path: "examples/grafana/codeb-dashboard.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var charted: Set<String> = []
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expr = try #require(target["expr"] as? String)
                for match in expr.matches(of: /(codeb_[a-z_]+)/) {
                    var name = String(match.1)
                    for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
                    charted.insert(name)
                }
            }
        }
        #expect(Self.metricNames.count >= 20, "\(Self.metricNames.count) metric families")
        #expect(charted.subtracting(Self.metricNames).isEmpty, "charted but never registered: \(charted.subtracting(Self.metricNames))")
        #expect(Self.metricNames.subtracting(charted).isEmpty, "registered but not charted: \(Self.metricNames.subtracting(charted))")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameTheCommands(shell: String) async throws {
        let result = try await CLI.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        for command in ["apply", "rollback", "promote", "controller", "keys"] {
            #expect(result.stdout.contains(command), "\(shell) completion lacks \(command)")
        }
    }

    @Test func theCIWorkflowDeploysOnMergeAndRunsPreviewsForPullRequests() throws {
        let text = try String(contentsOf: PackagePaths.root.appending(path: "examples/ci/deploy.yml"), encoding: .utf8)
        #expect(text.contains("codeb apply -f codeb.yaml"))
        #expect(text.contains("--wait"))
        #expect(text.contains("--env preview-pr-${{ github.event.number }}"))
        #expect(text.contains("codeb delete"), "the preview goes when the pull request closes")
    }
}
