/// What a key may do. Each role includes the ones below it.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Reads projects, status, history, events.
    case viewer
    /// Also applies, promotes, rolls back, deletes, reads logs and the audit log.
    case member
    /// Also manages the team's keys.
    case admin
    /// Also manages teams (keys for any team).
    case owner

    var level: Int { Role.allCases.firstIndex(of: self)! }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.level < rhs.level }

    public var description: String { rawValue }
}
