/// The backing services of the tests, as codeb.yaml writes them under `services:` (two spaces
/// in): Debian's redis-server and PostgreSQL, the test images `.ci/setup` builds.
public enum ServiceFixtures {
    public static let redis = "  cache: { image: codeb-test/redis:7, port: 6379, volume: /data }"

    /// With a generated password (`DB_POSTGRES_PASSWORD` for the app).
    public static let postgres = """
          db:
            image: codeb-test/postgres:15
            port: 5432
            volume: /var/lib/postgresql/data
            env: { POSTGRES_DB: app }
            generated-secrets: [POSTGRES_PASSWORD]
        """
}
