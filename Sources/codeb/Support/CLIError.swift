/// A failure that is not the spec's fault (an unreadable file, later an unreachable controller):
/// printed as `Error: message`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    /// 1, or 2 when the input was refused (an apply naming secrets that have no value).
    var exitCode: Int32

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}
