import Foundation
import Spec

/// One team's logins to private registries, the passwords sealed.
public struct RegistrySet: Sendable, Hashable, Codable {
    public var credentials: [RegistryCredential]

    public init(credentials: [RegistryCredential] = []) {
        self.credentials = credentials
    }

    public func credential(for host: RegistryHost) -> RegistryCredential? {
        credentials.first { $0.host == host }
    }
}

/// A login to one registry.
public struct RegistryCredential: Sendable, Hashable, Codable {
    public var host: RegistryHost
    public var username: String
    public var sealedPassword: SealedValue
    public var author: String
    public var at: Date

    public init(host: RegistryHost, username: String, sealedPassword: SealedValue, author: String, at: Date) {
        self.host = host
        self.username = username
        self.sealedPassword = sealedPassword
        self.author = author
        self.at = at
    }

    /// What the password is bound to when sealed (authenticated data).
    public static func context(team: ResourceName, host: RegistryHost, username: String) -> String {
        "registry/\(team)/\(host)/\(username)"
    }
}
