import Spec

/// Whose secrets: one project of one team. Keyed by the team as well as the project, so one
/// team's secrets are never found under another team's name for the same project.
public struct SecretOwner: Sendable, Hashable, Codable, CustomStringConvertible {
    public var team: ResourceName
    public var project: ResourceName

    public init(team: ResourceName, project: ResourceName) {
        self.team = team
        self.project = project
    }

    public var description: String { "\(team)/\(project)" }
}
