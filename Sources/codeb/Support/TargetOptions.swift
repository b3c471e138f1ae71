import ArgumentParser

/// The project/environment a command acts on.
struct TargetOptions: ParsableArguments {
    @Argument(help: "The project.")
    var project: String

    @Option(name: .customLong("env"), help: "The environment.")
    var environment: String = "production"
}
