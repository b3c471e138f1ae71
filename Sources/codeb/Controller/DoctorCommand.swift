import ArgumentParser
import Controller
import Foundation
import Logging

/// `codeb doctor`: checks this host for the controller, one line per check with what to do;
/// exit 0 when nothing is broken, 1 when something is. Takes the controller's settings (same
/// config file, `CODEB_*` variables and flags), so it checks what the controller would use.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this host for the controller: dockerd, Caddy, the state directory, the port ranges, the database, a running controller.",
        discussion: """
            Reads the controller's settings (--config, CODEB_* variables, the same flags as `codeb controller`) and \
            changes nothing. Lines start with ok, warn or FAIL; the exit status is 1 when any check fails.
            """
    )

    @OptionGroup(title: "Controller settings")
    var settings: ControllerCommand

    @Flag(help: "One JSON object per check instead of text.")
    var json = false

    func run() async throws {
        let resolved = try ControllerSettings.resolve(flags: settings)
        // Drivers log what they meet (a failed probe, a warning); the lines below say it better.
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        let checks = await Doctor(resolved.daemon).run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for check in checks { print(String(decoding: try encoder.encode(check), as: UTF8.self)) }
        } else {
            for check in checks { print(check.line) }
            let failed = checks.filter { $0.status == .fail }.count, warned = checks.filter { $0.status == .warn }.count
            print(failed == 0 ? "\nno problem found" + (warned == 0 ? "" : " (\(warned) warning\(warned == 1 ? "" : "s"))") : "\n\(failed) problem\(failed == 1 ? "" : "s") found")
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}
