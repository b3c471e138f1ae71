/// How the controller decides a freshly deployed slot is healthy: it requests
/// `http://127.0.0.1:{port}{path}` every `interval`, each try bounded by `timeout`; after
/// `healthyThreshold` successes in a row the slot is healthy, and if that has not happened
/// within `deadline` of the deploy the rollout fails.
public struct Healthcheck: Sendable, Hashable, Codable {
    public static let defaultPath = try! HTTPPath(parsing: "/health")
    public static let defaultInterval = SpecDuration.seconds(1)
    public static let defaultTimeout = SpecDuration.seconds(2)
    public static let defaultHealthyThreshold = 2
    public static let defaultDeadline = SpecDuration.seconds(120)

    public var path: HTTPPath
    public var interval: SpecDuration
    public var timeout: SpecDuration
    public var healthyThreshold: Int
    public var deadline: SpecDuration

    public init(
        path: HTTPPath = Healthcheck.defaultPath,
        interval: SpecDuration = Healthcheck.defaultInterval,
        timeout: SpecDuration = Healthcheck.defaultTimeout,
        healthyThreshold: Int = Healthcheck.defaultHealthyThreshold,
        deadline: SpecDuration = Healthcheck.defaultDeadline
    ) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.deadline = deadline
    }
}
