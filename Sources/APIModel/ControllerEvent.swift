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

    public init(time: Date, key: EnvironmentKey, level: Level, message: String) {
        self.time = time
        self.key = key
        self.level = level
        self.message = message
    }
}
