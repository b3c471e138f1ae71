/// The one-environment spec the controller tests deploy: `staging` on `{project}.test`, health
/// every 100 ms, a warm grace slot for an hour, a one-second stop; `ROUND` makes every round a
/// new revision.
func stagingSpec(_ project: String, team: String = "acme", image: String, round: Int, healthyThreshold: Int = 1) -> String {
    """
    project: \(project)
    team: \(team)
    image: \(image)
    port: 8080
    env: { ROUND: "\(round)" }
    resources: { memory: 64m, cpus: 0.5 }
    healthcheck: { interval: 100ms, timeout: 1s, healthyThreshold: \(healthyThreshold), deadline: 60s }
    grace: 1h
    stopTimeout: 1s
    environments:
      staging: { domains: [\(project).test] }

    """
}
