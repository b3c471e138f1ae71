import Foundation
import State

/// Something the controller did or saw, for `codeb events` and the API's event stream.
public struct ControllerEvent: Sendable, Hashable, Codable {
    public enum Level: String, Sendable, Hashable, Codable {
        case info, warning
    }

    public var time: Date
    public var key: EnvironmentKey
    public var level: Level
    public var message: String
    /// A planner action as the executor ran it (`record green=active(r2)`, `write site → …`),
    /// shown behind `--raw` and the console's toggle; absent: what happened, in the user's words.
    public var raw: Bool?

    public init(time: Date, key: EnvironmentKey, level: Level, message: String, raw: Bool? = nil) {
        self.time = time
        self.key = key
        self.level = level
        self.message = message
        self.raw = raw
    }
}
