import PackagePlugin

/// Generates `CodebVersion.generated` from the package's `VERSION` file, so the file is the
/// single source of the version and a change to it rebuilds what prints it.
@main
struct VersionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "VERSION")
        let output = context.pluginWorkDirectoryURL.appending(path: "CodebVersion+Generated.swift")
        return [
            .buildCommand(
                displayName: "Generating CodebVersion from VERSION",
                executable: try context.tool(named: "codeb-version-gen").url,
                arguments: [input.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: [input],
                outputFiles: [output]
            )
        ]
    }
}
