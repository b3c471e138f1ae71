/// A backing service of an environment (`services:` in codeb.yaml): one long-lived container
/// with its data in a named volume — a cache, a database — reached by the environment's slots
/// on the team's network under a name of its own.
public struct ServiceSpec: Sendable, Hashable, Codable {
    public var name: ResourceName
    public var image: ImageReference
    public var port: Port
    /// Where the data lives in the container (`/data`); nil: nothing is kept.
    public var volume: String?
    public var env: [EnvVarName: String]
    /// Variables codeb makes a random value for, sealed like secrets (`POSTGRES_PASSWORD`); the
    /// app gets each as `{NAME}_{VARIABLE}`.
    public var generatedSecrets: [EnvVarName]
    public var backup: BackupPolicy?
    public var memory: ByteSize
    public var cpus: CPUCount

    public static let defaultMemory = ByteSize.megabytes(256)
    public static let defaultCPUs = CPUCount(millicpus: 500)

    public init(
        name: ResourceName, image: ImageReference, port: Port, volume: String? = nil, env: [EnvVarName: String] = [:],
        generatedSecrets: [EnvVarName] = [], backup: BackupPolicy? = nil, memory: ByteSize = ServiceSpec.defaultMemory,
        cpus: CPUCount = ServiceSpec.defaultCPUs
    ) {
        self.name = name
        self.image = image
        self.port = port
        self.volume = volume
        self.env = env
        self.generatedSecrets = generatedSecrets
        self.backup = backup
        self.memory = memory
        self.cpus = cpus
    }

    /// `CACHE` for `cache`, `SESSION_STORE` for `session-store`: what the app's variables for it
    /// start with (`CACHE_HOST`, `CACHE_PORT`, `DB_POSTGRES_PASSWORD`).
    public var variablePrefix: String { name.value.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// The names the app is given for it: host, port, then each generated secret.
    public var injectedVariables: [String] {
        [hostVariable, portVariable] + appSecrets.map(\.app)
    }

    public var hostVariable: String { variablePrefix + "_HOST" }
    public var portVariable: String { variablePrefix + "_PORT" }

    /// Each generated secret under the app's name for it and the service's own:
    /// (`DB_POSTGRES_PASSWORD`, `POSTGRES_PASSWORD`).
    public var appSecrets: [(app: String, service: EnvVarName)] {
        generatedSecrets.map { (variablePrefix + "_" + $0.value, $0) }
    }

    /// The app's names of the generated secrets, as secret names (the loader refuses a service
    /// whose would not be one).
    public var appSecretNames: [EnvVarName] { appSecrets.compactMap { try? EnvVarName(parsing: $0.app) } }
}

/// `backup: { every: 24h, keep: 7 }`.
public struct BackupPolicy: Sendable, Hashable, Codable {
    public var every: SpecDuration
    public var keep: Int

    public init(every: SpecDuration, keep: Int) {
        self.every = every
        self.keep = keep
    }
}

extension ServiceSpec: SpecChangeShown {
    /// Image, port and volume; env and generated secrets by name only (a value may be secret).
    var changeText: String {
        var parts = ["\(image)", "port \(port)"]
        if let volume { parts.append("volume \(volume)") }
        if !env.isEmpty { parts.append("env " + env.keys.map(\.value).sorted().joined(separator: " ")) }
        if !generatedSecrets.isEmpty { parts.append("generated " + generatedSecrets.map(\.value).joined(separator: " ")) }
        if let backup { parts.append("backup every \(backup.every), keep \(backup.keep)") }
        parts.append("\(memory), \(cpus) CPU")
        return "\(name) (" + parts.joined(separator: ", ") + ")"
    }
}
