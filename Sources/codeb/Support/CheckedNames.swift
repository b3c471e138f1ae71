import ArgumentParser
import Spec

/// A project or environment named on the command line, checked before it reaches a request: a
/// bad one is a usage error naming the argument.
enum CheckedNames {
    static func project(_ project: String) throws -> String {
        do {
            return try ResourceName(parsing: project).value
        } catch {
            throw ValidationError("project: \(error.message)")
        }
    }

    /// Nil stays nil (no `--env` given).
    static func environment(_ environment: String?) throws -> String? {
        guard let environment else { return nil }
        do {
            return try EnvironmentName(parsing: environment).value
        } catch {
            throw ValidationError("--env: \(error.message)")
        }
    }
}
