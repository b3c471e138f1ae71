import APIModel
import Foundation
import Spec

extension ControllerAPI {
    /// Refuses (403, located) a written domain the team may not claim: one outside the domain
    /// suffixes its owner gave it, or one under the controller's preview domain, whose names
    /// codeb generates (so nobody can take another project's future preview hostname first).
    func checkDomains(_ spec: Spec, _ names: [EnvironmentName], text: String, file: String, team: ResourceName) async throws {
        let environments = names.compactMap { spec.environment(named: $0) }.filter { !$0.domains.isEmpty }
        // Most applies of a live project name no domain of their own (previews): no key-store read.
        guard !environments.isEmpty else { return }
        let record = try await keys.teams().first { $0.name == team }
        let preview = operations.previewDomain
        var problems: [SpecProblem] = []
        for environment in environments {
            for (index, domain) in environment.domains.enumerated() {
                let reason: String
                if let preview, domain.isWithin(preview) {
                    reason = "`\(domain)` is under the preview domain \(preview), whose hostnames codeb generates; remove it (each slot and preview environment gets its own there)"
                } else if let record, !record.allows(domain) {
                    let allowed = (record.domains ?? []).map(\.value).joined(separator: ", ")
                    reason = "`\(domain)` is outside the domains of team \(team) (\(allowed.isEmpty ? "none" : allowed)); an owner adds one with `codeb teams update \(team) --domains …`"
                } else {
                    continue
                }
                let (line, column) = Self.position(of: domain.value, in: text)
                problems.append(SpecProblem(file: file, line: line, column: column, path: "environments.\(environment.name).domains[\(index)]", message: reason))
            }
        }
        guard !problems.isEmpty else { return }
        throw APIError(.forbidden, code: "domain_not_allowed", "the spec names \(problems.count) domain\(problems.count == 1 ? "" : "s") team \(team) may not claim", details: problems)
    }

    /// Where `domain` is first written in the spec (1-based line and column; 1:1 if not found,
    /// e.g. when it came from a variable).
    static func position(of domain: String, in text: String) -> (line: Int, column: Int) {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var searchFrom = line.startIndex
            while let range = line.range(of: domain, range: searchFrom..<line.endIndex) {
                // Whole names only: `shop.test` is not found inside `myshop.test`.
                let before = range.lowerBound == line.startIndex ? " " : line[line.index(before: range.lowerBound)]
                let after = range.upperBound == line.endIndex ? " " : line[range.upperBound]
                if !(before.isLetter || before.isNumber || before == "-" || before == "."), !(after.isLetter || after.isNumber || after == "-" || after == ".") {
                    return (number + 1, line[..<range.lowerBound].unicodeScalars.count + 1)
                }
                searchFrom = range.upperBound
            }
        }
        return (1, 1)
    }
}
