import APIModel
import ArgumentParser
import Foundation

/// `codeb delete PROJECT --env E`: removes the environment's containers, site and state.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an environment: containers, site file, ports.")
    @OptionGroup var target: TargetOptions
    @OptionGroup var client: ClientOptions
    @Flag(name: .customLong("purge-data"), help: "Also remove its backing services' volumes and their data (kept otherwise, for a later apply).")
    var purgeData = false

    func run() async throws {
        _ = try await client.client().perform {
            try await $0.deleteEnvironment(path: .init(project: target.project, environment: target.environment), query: .init(purgeData: purgeData ? ._1 : nil)).accepted
        }
        print("\(target.project)/\(target.environment): deleting" + (purgeData ? ", with its services' data" : ""))
    }
}
