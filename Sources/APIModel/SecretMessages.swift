import Foundation

/// `PUT /v1/projects/:project/secrets`: values to set, in one new version. The only request
/// that carries values; no answer ever does.
public struct SecretsSetRequest: Sendable, Codable, Hashable {
    /// The environment (`production`, `preview` for every preview instance); nil for all.
    public var environment: String?
    public var values: [String: String]

    public init(environment: String? = nil, values: [String: String]) {
        self.environment = environment
        self.values = values
    }
}

/// `POST /v1/projects/:project/secrets/unset`.
public struct SecretsUnsetRequest: Sendable, Codable, Hashable {
    public var environment: String?
    public var names: [String]

    public init(environment: String? = nil, names: [String]) {
        self.environment = environment
        self.names = names
    }
}

/// What a set or unset did: the new version, and the rollouts it started (one per environment
/// whose values changed), to follow like an apply's.
public struct SecretsChangeResult: Sendable, Codable, Hashable {
    public struct Rollout: Sendable, Codable, Hashable {
        public var environment: String
        public var revision: Int

        public init(environment: String, revision: Int) {
            self.environment = environment
            self.revision = revision
        }
    }

    public var project: String
    public var version: Int
    public var names: [String]
    public var rollouts: [Rollout]

    public init(project: String, version: Int, names: [String], rollouts: [Rollout]) {
        self.project = project
        self.version = version
        self.names = names
        self.rollouts = rollouts
    }
}

/// One secret as listed: its name and where, who set it and when. Never its value.
public struct SecretView: Sendable, Codable, Hashable {
    public var name: String
    /// The environment it is set for; nil for the whole project.
    public var environment: String?
    public var version: Int
    public var setBy: String
    public var setAt: Date

    public init(name: String, environment: String?, version: Int, setBy: String, setAt: Date) {
        self.name = name
        self.environment = environment
        self.version = version
        self.setBy = setBy
        self.setAt = setAt
    }
}

/// One version of a project's secrets: which names it set and unset, where, by whom.
public struct SecretVersionView: Sendable, Codable, Hashable {
    public var version: Int
    public var environment: String?
    public var set: [String]
    public var unset: [String]
    public var author: String
    public var at: Date

    public init(version: Int, environment: String?, set: [String], unset: [String], author: String, at: Date) {
        self.version = version
        self.environment = environment
        self.set = set
        self.unset = unset
        self.author = author
        self.at = at
    }
}

/// `PUT /v1/registries/:host`: a login to a private registry (admin).
public struct RegistryLoginRequest: Sendable, Codable, Hashable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// A team's login as listed: never the password.
public struct RegistryView: Sendable, Codable, Hashable {
    public var host: String
    public var username: String
    public var setBy: String
    public var setAt: Date

    public init(host: String, username: String, setBy: String, setAt: Date) {
        self.host = host
        self.username = username
        self.setBy = setBy
        self.setAt = setAt
    }
}

/// `POST /v1/secrets/rotate-key` (owner): the new key's id and how many values were sealed
/// again — or, while live nodes lack the new key (`lacking`), nothing sealed yet (202).
public struct RotateKeyResult: Sendable, Codable, Hashable {
    public var keyID: String
    public var resealed: Int
    /// The live nodes whose key file lacks `keyID`; absent once the rotation is done.
    public var lacking: [String]?

    public init(keyID: String, resealed: Int, lacking: [String]? = nil) {
        self.keyID = keyID
        self.resealed = resealed
        self.lacking = lacking
    }
}
