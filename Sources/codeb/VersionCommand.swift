import ArgumentParser
import Spec

/// `codeb version`: prints the version from the VERSION file the binary was built with.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print codeb's version."
    )

    @Flag(name: .long, help: "Also say how this binary was built.")
    var verbose = false

    func run() {
        print(CodebVersion.current)
        if verbose {
            // A debug build (what the tests run) obeys CODEB_CRASH_AT; a release build never does.
            print(CodebVersion.faultInjection ? "build: debug (fault injection: CODEB_CRASH_AT is obeyed; not for production)" : "build: release (no fault injection)")
        }
    }
}
