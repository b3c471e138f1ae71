import ArgumentParser
import Spec

/// `codeb version`: prints the version from the VERSION file the binary was built with.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print codeb's version."
    )

    func run() {
        print(CodebVersion.current)
    }
}
