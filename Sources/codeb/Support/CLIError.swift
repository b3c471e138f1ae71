/// A failure that is not the spec's fault (an unreadable file, later an unreachable controller):
/// printed as `Error: message`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
