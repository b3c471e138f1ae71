/// One line of `codeb doctor`: what was checked, how it stands, and what to do about it.
public struct DoctorCheck: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Works.
        case ok
        /// Works, but something deserves attention (a controller not running, a port held by
        /// another process); does not fail the run.
        case warn
        /// Broken: the controller cannot work (or not safely) until it is fixed.
        case fail
    }

    public var name: String
    public var status: Status
    /// What was found, with the cause when broken (the engine's error, the HTTP status).
    public var message: String
    /// What to do; empty when nothing is.
    public var fix: String

    public init(_ name: String, _ status: Status, _ message: String, fix: String = "") {
        self.name = name
        self.status = status
        self.message = message
        self.fix = fix
    }

    /// `ok    docker    dockerd 24.0.7 (API 1.43) at /var/run/docker.sock`, then ` → fix`.
    public var line: String {
        let label = status == .fail ? "FAIL" : status.rawValue
        return label.padding(toLength: 6, withPad: " ", startingAt: 0) + name.padding(toLength: max(11, name.count + 1), withPad: " ", startingAt: 0)
            + message + (fix.isEmpty ? "" : " → \(fix)")
    }
}
