import Logging
import PostgresNIO
import State

/// The database schema as numbered migrations. Each runs once, inside one transaction with the
/// others still missing, under an advisory lock so two controllers starting together do not
/// both migrate; `schema_migrations` records what ran. Migrations are append-only: a released
/// one is never edited, a change is a new number.
public enum PostgresSchema {
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var statements: [String]
    }

    /// The newest version this codeb knows.
    public static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// An arbitrary constant: the advisory lock key that serializes migrations.
    static let migrationLock = 0x636F_6465_6200

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "initial", statements: [
            """
            CREATE TABLE teams (
                name text PRIMARY KEY,
                created_at timestamptz NOT NULL DEFAULT now())
            """,
            // A project belongs to the team that first applied it; its environments follow.
            """
            CREATE TABLE projects (
                name text PRIMARY KEY,
                team text NOT NULL REFERENCES teams(name),
                created_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE environments (
                project text NOT NULL REFERENCES projects(name),
                environment text NOT NULL,
                team text NOT NULL REFERENCES teams(name),
                blue_port integer NOT NULL,
                green_port integer NOT NULL,
                promotion_approved integer,
                deleting boolean NOT NULL DEFAULT false,
                status jsonb NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (project, environment))
            """,
            // History: every revision is kept while its environment exists. `data` is the exact
            // stored value (spec included, under `spec`); the columns are for queries.
            """
            CREATE TABLE revisions (
                project text NOT NULL,
                environment text NOT NULL,
                number integer NOT NULL CHECK (number > 0),
                template_hash text NOT NULL,
                source text NOT NULL,
                author text NOT NULL,
                created_at timestamptz NOT NULL,
                rollback_of integer,
                data jsonb NOT NULL,
                PRIMARY KEY (project, environment, number),
                FOREIGN KEY (project, environment) REFERENCES environments ON DELETE CASCADE)
            """,
            """
            CREATE TABLE slots (
                project text NOT NULL,
                environment text NOT NULL,
                slot text NOT NULL CHECK (slot IN ('blue', 'green')),
                state text NOT NULL,
                revision integer,
                port integer NOT NULL,
                data jsonb NOT NULL,
                PRIMARY KEY (project, environment, slot),
                FOREIGN KEY (project, environment) REFERENCES environments ON DELETE CASCADE)
            """,
            // The unique keys are what guarantee one owner per port and per domain, whatever
            // two controllers do at the same moment.
            """
            CREATE TABLE ports (
                port integer PRIMARY KEY,
                project text NOT NULL,
                environment text NOT NULL,
                FOREIGN KEY (project, environment) REFERENCES environments ON DELETE CASCADE)
            """,
            """
            CREATE TABLE domains (
                domain text PRIMARY KEY,
                project text NOT NULL,
                environment text NOT NULL,
                FOREIGN KEY (project, environment) REFERENCES environments ON DELETE CASCADE)
            """,
            """
            CREATE TABLE api_keys (
                id text PRIMARY KEY,
                hash text NOT NULL UNIQUE,
                team text NOT NULL REFERENCES teams(name),
                role text NOT NULL,
                name text NOT NULL,
                created_at timestamptz NOT NULL,
                created_by text NOT NULL,
                revoked_at timestamptz)
            """,
            """
            CREATE TABLE audit_log (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL,
                key_id text NOT NULL,
                team text NOT NULL,
                action text NOT NULL,
                target text NOT NULL,
                result text NOT NULL,
                detail text NOT NULL)
            """,
            "CREATE INDEX audit_log_team ON audit_log (team, id)",
            // One row per committed change of an environment, for catching up after a lost
            // LISTEN connection and for operators reading what happened when.
            """
            CREATE TABLE events (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT now(),
                project text NOT NULL,
                environment text NOT NULL,
                generation integer NOT NULL,
                controller text NOT NULL)
            """,
            // Which controller acts on an environment, until when (database time).
            """
            CREATE TABLE leases (
                project text NOT NULL,
                environment text NOT NULL,
                holder text NOT NULL,
                node text NOT NULL,
                expires_at timestamptz NOT NULL,
                PRIMARY KEY (project, environment))
            """,
        ]),
        // Container and site names are `{project}-{environment}`: the prefix is a claim, unique
        // like a domain. Environments that already collide keep running (the first one keeps
        // the claim); a new one with a taken prefix is refused.
        Migration(version: 2, name: "name-claims", statements: [
            """
            CREATE TABLE name_claims (
                stem text PRIMARY KEY,
                project text NOT NULL,
                environment text NOT NULL,
                FOREIGN KEY (project, environment) REFERENCES environments ON DELETE CASCADE)
            """,
            """
            INSERT INTO name_claims (stem, project, environment)
                SELECT project || '-' || environment, project, environment FROM environments
                ORDER BY updated_at ON CONFLICT DO NOTHING
            """,
        ]),
        // The store's identity, put on every container as `codeb.store`: the orphan sweep
        // removes only containers of this store.
        Migration(version: 3, name: "store-identity", statements: [
            """
            CREATE TABLE store_identity (
                id text PRIMARY KEY,
                singleton boolean NOT NULL UNIQUE DEFAULT true CHECK (singleton))
            """,
            "INSERT INTO store_identity (id) VALUES (gen_random_uuid()::text)",
        ]),
        // Every refused or failed mutation attempt carries a reason code; teams registered by
        // an owner record who did it.
        Migration(version: 4, name: "audit-reason-and-team-creator", statements: [
            "ALTER TABLE audit_log ADD COLUMN reason text",
            "ALTER TABLE teams ADD COLUMN created_by text",
        ]),
        // Secrets and registry logins, sealed (AES-256-GCM): `box` is nonce ‖ ciphertext ‖ tag,
        // `key_id` names the controller key that sealed it. A row is never a value in clear.
        Migration(version: 5, name: "secrets-and-registries", statements: [
            """
            CREATE TABLE secret_versions (
                team text NOT NULL,
                project text NOT NULL,
                version integer NOT NULL,
                PRIMARY KEY (team, project))
            """,
            // Every set (box not null) and unset (box null) ever made; scope '' is the whole project.
            """
            CREATE TABLE secret_values (
                team text NOT NULL,
                project text NOT NULL,
                version integer NOT NULL CHECK (version > 0),
                name text NOT NULL,
                scope text NOT NULL,
                key_id text,
                box bytea,
                author text NOT NULL,
                at timestamptz NOT NULL,
                PRIMARY KEY (team, project, version, name),
                FOREIGN KEY (team, project) REFERENCES secret_versions ON DELETE CASCADE,
                CHECK ((key_id IS NULL) = (box IS NULL)))
            """,
            """
            CREATE TABLE registry_credentials (
                team text NOT NULL,
                host text NOT NULL,
                username text NOT NULL,
                key_id text NOT NULL,
                box bytea NOT NULL,
                author text NOT NULL,
                at timestamptz NOT NULL,
                PRIMARY KEY (team, host))
            """,
        ]),
        // A third port per environment (nil when its range had none left): a deploy that
        // evicts a slot starts the new container on it while the evicted one drains.
        Migration(version: 6, name: "spare-port", statements: [
            "ALTER TABLE environments ADD COLUMN spare_port integer",
        ]),
        // Ports are unique per node: one row per port and node an environment is placed on
        // ('*' when it may run on any node, which clashes with every node — checked under a lock).
        Migration(version: 7, name: "ports-per-node", statements: [
            "ALTER TABLE ports ADD COLUMN node text NOT NULL DEFAULT '*'",
            "ALTER TABLE ports DROP CONSTRAINT ports_pkey",
            "ALTER TABLE ports ADD PRIMARY KEY (port, node)",
        ]),
        // The domain suffixes an owner gave a team (comma-separated; NULL: any domain).
        Migration(version: 8, name: "team-domains", statements: [
            "ALTER TABLE teams ADD COLUMN domains text",
        ]),
        // The controllers' shared view of the secret keys (a JSON `Keyring`): which node holds
        // which key, the key a rotation waits for, the key every node seals with.
        Migration(version: 9, name: "secret-keyring", statements: [
            "CREATE TABLE secret_keyring (id integer PRIMARY KEY CHECK (id = 1), document text NOT NULL)",
        ]),
        // An environment in maintenance (a JSON `Maintenance`; NULL: serving), and the bake a
        // person asked for with a manual promotion (a JSON `BakePolicy`; NULL: the spec's).
        Migration(version: 10, name: "maintenance-and-promotion-bake", statements: [
            "ALTER TABLE environments ADD COLUMN maintenance jsonb",
            "ALTER TABLE environments ADD COLUMN promotion_bake jsonb",
        ]),
        // `delete --purge-data`: the environment's backing services' volumes go with it; and a
        // restore asked for (a JSON `ServiceRestore`; NULL: none).
        Migration(version: 11, name: "service-data", statements: [
            "ALTER TABLE environments ADD COLUMN purge_data boolean NOT NULL DEFAULT false",
            "ALTER TABLE environments ADD COLUMN restore jsonb",
            // Service changes undone (a JSON object of `ServiceChangeFailure` by service).
            "ALTER TABLE environments ADD COLUMN service_failures jsonb",
        ]),
    ]

    /// Brings the database to `currentVersion`; refuses a database that is newer.
    public static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = 0
            for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger).decode(Int.self) {
                applied = version
            }
            guard applied <= currentVersion else {
                throw StoreError(.invalid, "the database schema is at version \(applied), newer than this codeb understands (\(currentVersion)); upgrade codeb on this host before starting it")
            }
            for migration in migrations where migration.version > applied {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                logger.info("database migrated", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }
}
