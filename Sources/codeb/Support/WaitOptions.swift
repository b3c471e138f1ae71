import ArgumentParser
import Spec

/// `--wait` and `--timeout`: follow what a command started until it is live, failed or timed
/// out (exit 0, 3, 4).
struct WaitOptions: ParsableArguments {
    @Flag(help: "Follow the rollout until it is live, failed or timed out.")
    var wait = false

    @Option(help: "How long --wait waits, e.g. 10m.")
    var timeout: String = "10m"

    /// The timeout as a duration; a malformed one is a usage error before anything is sent.
    func limit() throws -> Duration {
        do { return try SpecDuration(parsing: timeout).duration } catch { throw ValidationError("--timeout: \(error.message)") }
    }

    static let exitCodes = "Exit codes with --wait: 0 live (after its bake), 3 rollout failed, 4 timed out, 5 live without a certificate that verifies, 6 reverted by its bake."

    /// With `--wait`, follows `revision` of the target until it is live, failed or timed out.
    func follow(_ api: APIClient, _ target: TargetOptions, revision: Int, limit: Duration) async throws {
        guard wait else { return }
        try await RolloutWatcher(api: api, project: target.project, targets: [(target.environment, revision)], limit: limit).run()
    }
}
