import ArgumentParser
import Foundation
import Spec

/// `codeb validate -f FILE`: checks a spec locally and summarises each environment.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a codeb.yaml and summarise its environments.",
        discussion: """
            Prints one line per environment and exits 0, or prints every problem as \
            file:line:column: key.path: sentence and exits 2. ${NAME} and ${NAME:-default} \
            expand from the environment and --var.
            """
    )

    @OptionGroup var spec: SpecFileOptions

    @Option(name: [.short, .customLong("output")], help: "Output format: table or json.")
    var output: OutputFormat = .table

    func run() throws {
        let loaded: Spec
        do {
            loaded = try spec.load()
        } catch let error as SpecError {
            switch output {
            case .table:
                for problem in error.problems {
                    printError(problem.description)
                }
                let count = error.problems.count
                printError("\(count) problem\(count == 1 ? "" : "s") in \(spec.displayName)")
            case .json:
                print(try JSONOutput.encode(["problems": error.problems]))
            }
            throw ExitCode(2)
        }
        switch output {
        case .table:
            print(Self.summary(of: loaded))
        case .json:
            print(try JSONOutput.encode(loaded))
        }
    }

    static func summary(of spec: Spec) -> String {
        let environments = spec.orderedEnvironments
        var rows = [["ENVIRONMENT", "IMAGE", "PORT", "DOMAINS", "TLS", "PROMOTE", "GRACE", "HASH"]]
        for environment in environments {
            let domains = environment.name.kind == .preview
                ? "(per instance)"
                : (environment.domains.isEmpty ? "-" : environment.domains.map(\.value).joined(separator: ","))
            rows.append([
                environment.name.value,
                environment.template.image.description,
                environment.template.port.description,
                domains,
                environment.tls.rawValue + (environment.hsts ? "+hsts" : ""),
                environment.promote.rawValue,
                environment.grace.description,
                environment.template.shortHash,
            ])
        }
        let count = environments.count
        let header = "\(spec.project) (team \(spec.team)) is valid: \(count) environment\(count == 1 ? "" : "s")"
        return header + "\n\n" + TextTable.render(rows)
    }
}
