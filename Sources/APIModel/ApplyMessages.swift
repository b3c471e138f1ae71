import Foundation

/// `POST /v1/apply`: the body the CLI sends and the controller reads.
public struct ApplyRequest: Codable, Sendable, Hashable {
    /// The codeb.yaml (or JSON) text as committed.
    public var spec: String
    /// The name problems are reported under.
    public var file: String?
    /// Values for `${NAME}`: the client sends only the names the spec uses.
    public var variables: [String: String]?
    /// Which environments to apply; all but the `preview` block when absent.
    public var environments: [String]?
    public var dryRun: Bool?
    public var expectedGeneration: Int?

    public init(spec: String, file: String? = nil, variables: [String: String]? = nil, environments: [String]? = nil, dryRun: Bool? = nil, expectedGeneration: Int? = nil) {
        self.spec = spec
        self.file = file
        self.variables = variables
        self.environments = environments
        self.dryRun = dryRun
        self.expectedGeneration = expectedGeneration
    }
}

/// The answer to `POST /v1/apply`: per environment, the revision and what changes.
public struct ApplyResult: Codable, Sendable, Hashable {
    public struct Environment: Codable, Sendable, Hashable {
        public var environment: String
        public var revision: Int
        /// Whether the apply made (or, in a dry run, would make) a new revision.
        public var created: Bool
        public var changes: [String]
        /// In a dry run: the planner's next pass if the revision were stored (when the
        /// controller can observe the host).
        public var actions: [String]?

        public init(environment: String, revision: Int, created: Bool, changes: [String], actions: [String]?) {
            self.environment = environment
            self.revision = revision
            self.created = created
            self.changes = changes
            self.actions = actions
        }
    }

    public var project: String
    public var team: String
    public var dryRun: Bool
    public var environments: [Environment]

    public init(project: String, team: String, dryRun: Bool, environments: [Environment]) {
        self.project = project
        self.team = team
        self.dryRun = dryRun
        self.environments = environments
    }
}
