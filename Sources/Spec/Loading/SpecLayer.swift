/// The fields that the top level and each environment may set, as written (nothing merged or
/// defaulted yet). An environment's layer is laid over the top level's.
struct SpecLayer {
    static let keys = ["image", "port", "command", "env", "secrets", "resources", "healthcheck", "promote", "grace", "stopTimeout", "nodes", "bake", "services"]
    static let bakeKeys = ["for", "max-error-rate", "max-p95", "min-requests"]
    static let serviceKeys = ["image", "port", "volume", "env", "generated-secrets", "backup", "resources"]
    static let backupKeys = ["every", "keep"]
    static let resourceKeys = ["memory", "cpus", "pids"]
    static let healthcheckKeys = ["path", "interval", "timeout", "healthyThreshold", "deadline"]

    var image: Located<ImageReference>?
    var port: Located<Port>?
    var command: Located<[String]>?
    var env: [EnvVarName: String] = [:]
    /// Names whose values live in the controller's secret store; the top level's and an
    /// environment's are joined.
    var secrets: [Located<EnvVarName>] = []
    var memory: Located<ByteSize>?
    var cpus: Located<CPUCount>?
    var pids: Located<Int>?
    var healthPath: Located<HTTPPath>?
    var healthInterval: Located<SpecDuration>?
    var healthTimeout: Located<SpecDuration>?
    var healthyThreshold: Located<Int>?
    var healthDeadline: Located<SpecDuration>?
    var promote: Located<PromotePolicy>?
    var grace: Located<SpecDuration>?
    var stopTimeout: Located<SpecDuration>?
    var nodes: Located<[NodeName]>?
    var bake: Located<BakePolicy>?
    /// An environment's `services` replace the top level's as a whole.
    var services: Located<[ServiceSpec]>?
    /// The keys this layer wrote, valid or not: a required key that was written but invalid
    /// has been reported already and must not be reported again as missing.
    var written: Set<String> = []

    /// This layer with `other` laid over it: `other` wins field by field; `env` merges key by key.
    func overlaid(by other: SpecLayer) -> SpecLayer {
        SpecLayer(
            image: other.image ?? image,
            port: other.port ?? port,
            command: other.command ?? command,
            env: env.merging(other.env) { _, new in new },
            secrets: secrets + other.secrets.filter { name in !secrets.contains { $0.value == name.value } },
            memory: other.memory ?? memory,
            cpus: other.cpus ?? cpus,
            pids: other.pids ?? pids,
            healthPath: other.healthPath ?? healthPath,
            healthInterval: other.healthInterval ?? healthInterval,
            healthTimeout: other.healthTimeout ?? healthTimeout,
            healthyThreshold: other.healthyThreshold ?? healthyThreshold,
            healthDeadline: other.healthDeadline ?? healthDeadline,
            promote: other.promote ?? promote,
            grace: other.grace ?? grace,
            stopTimeout: other.stopTimeout ?? stopTimeout,
            nodes: other.nodes ?? nodes,
            bake: other.bake ?? bake,
            services: other.services ?? services,
            written: written.union(other.written)
        )
    }
}

extension NodeReader {
    /// Reads the layer fields present in `fields`.
    mutating func layer(from fields: [String: Entry]) -> SpecLayer {
        var layer = SpecLayer()
        layer.written = Set(fields.keys)
        if let entry = fields["image"] {
            layer.image = value(entry.value, at: entry.path, what: "an image reference, e.g. `registry.example.com/team/app:1.2.3`") {
                text throws(InvalidValue) in try ImageReference(parsing: text)
            }
        }
        if let entry = fields["port"], let number = integer(entry.value, at: entry.path, what: "the port", range: 1...65535) {
            layer.port = Located(value: try! Port(number.value), position: number.position, path: entry.path)
        }
        if let entry = fields["command"] {
            layer.command = command(entry)
        }
        if let entry = fields["env"] {
            layer.env = env(entry)
        }
        if let entry = fields["secrets"] {
            layer.secrets = secrets(entry)
        }
        if let entry = fields["resources"],
           let resources = self.fields(entry.value, at: entry.path, what: "`resources`", allowed: SpecLayer.resourceKeys) {
            if let memory = resources["memory"] {
                layer.memory = self.memory(memory)
            }
            if let cpus = resources["cpus"] {
                layer.cpus = value(cpus.value, at: cpus.path, what: "a number of CPUs, e.g. `1` or `0.5`") {
                    text throws(InvalidValue) in try CPUCount(parsing: text)
                }
            }
            if let pids = resources["pids"] {
                layer.pids = integer(pids.value, at: pids.path, what: "`pids`", range: Resources.pidsRange)
            }
        }
        if let entry = fields["healthcheck"],
           let health = self.fields(entry.value, at: entry.path, what: "`healthcheck`", allowed: SpecLayer.healthcheckKeys) {
            if let path = health["path"] {
                layer.healthPath = value(path.value, at: path.path, what: "a path such as `/health`") {
                    text throws(InvalidValue) in try HTTPPath(parsing: text)
                }
            }
            layer.healthInterval = health["interval"].flatMap { duration($0, within: .init(milliseconds: 100)...(.minutes(10))) }
            layer.healthTimeout = health["timeout"].flatMap { duration($0, within: .init(milliseconds: 100)...(.minutes(10))) }
            if let threshold = health["healthyThreshold"] {
                layer.healthyThreshold = integer(threshold.value, at: threshold.path, what: "`healthyThreshold`", range: 1...100)
            }
            layer.healthDeadline = health["deadline"].flatMap { duration($0, within: .seconds(1)...(.hours(24))) }
        }
        if let entry = fields["promote"] {
            layer.promote = value(entry.value, at: entry.path, what: "`auto` or `manual`") { text throws(InvalidValue) in
                guard let policy = PromotePolicy(rawValue: text) else {
                    let hint = Suggestion.closest(to: text, in: PromotePolicy.allCases.map(\.rawValue)).map { "; did you mean `\($0)`?" } ?? ""
                    throw InvalidValue("must be `auto` or `manual`, not `\(text)`\(hint)")
                }
                return policy
            }
        }
        layer.grace = fields["grace"].flatMap { duration($0, within: .seconds(0)...(.hours(24 * 30))) }
        if let entry = fields["stopTimeout"], let timeout = duration(entry, within: .seconds(0)...(.hours(1))) {
            if timeout.value.milliseconds % 1000 != 0 {
                report(entry.path, at: timeout.position, "Docker stops containers in whole seconds; write e.g. `30s`")
            } else {
                layer.stopTimeout = timeout
            }
        }
        if let entry = fields["nodes"] {
            layer.nodes = nodes(entry)
        }
        if let entry = fields["bake"] {
            layer.bake = bake(entry)
        }
        if let entry = fields["services"] {
            layer.services = services(entry)
        }
        return layer
    }

    /// `services: { cache: { image: redis:7, port: 6379, volume: /data }, … }`: at most 8, each
    /// with an image and a port; names are variable prefixes (`CACHE_HOST`).
    private mutating func services(_ entry: Entry) -> Located<[ServiceSpec]>? {
        guard let entries = pairs(entry.value, at: entry.path, what: "`services`") else { return nil }
        guard entries.count <= 8 else {
            report(entry.path, at: Position(entry.value.mark), "lists \(entries.count) services; at most 8")
            return nil
        }
        var services: [ServiceSpec] = []
        for service in entries {
            let name: ResourceName
            do {
                name = try ResourceName(parsing: service.key)
            } catch {
                report(service.path, at: service.keyPosition, "a service name is a name such as `cache` or `db` (lowercase letters, digits and '-'): \(error.message)")
                continue
            }
            // The service answers to its name on the environment's network, and its slots also
            // see the team's containers (`{project}-{environment}-{blue|green}`) by theirs.
            if ["blue", "green"].contains(name.value) || name.value.hasSuffix("-blue") || name.value.hasSuffix("-green") || name.value.contains("-retired-") {
                report(service.path, at: service.keyPosition, "`\(name)` reads like a slot's container name; pick another service name, e.g. `cache` or `db`")
                continue
            }
            guard name.value.first?.isLetter == true else {
                report(service.path, at: service.keyPosition, "a service name starts with a letter: the app's variables for it start with it (`\(name.value.uppercased())_HOST` is not a variable name)")
                continue
            }
            guard let fields = fields(service.value, at: service.path, what: "a service", allowed: SpecLayer.serviceKeys) else { continue }
            guard let imageEntry = fields["image"], let portEntry = fields["port"] else {
                report(service.path, at: service.keyPosition, "needs an `image` and a `port`, e.g. `\(name): { image: redis:7, port: 6379 }`")
                continue
            }
            guard let image = value(imageEntry.value, at: imageEntry.path, what: "an image reference, e.g. `redis:7`", { text throws(InvalidValue) in
                try ImageReference(parsing: text)
            }), let port = integer(portEntry.value, at: portEntry.path, what: "the port", range: 1...65535) else { continue }
            var spec = ServiceSpec(name: name, image: image.value, port: try! Port(port.value))
            if let volume = fields["volume"], let path = text(volume.value, at: volume.path, what: "the data directory in the container, e.g. `/data`") {
                guard path.value.hasPrefix("/"), !path.value.contains(":"), !path.value.contains(".."), path.value.count <= 256 else {
                    report(volume.path, at: path.position, "must be an absolute path in the container without `:` or `..`, e.g. `/var/lib/postgresql/data`")
                    continue
                }
                spec.volume = path.value
            }
            if let env = fields["env"] { spec.env = self.env(env) }
            if let generated = fields["generated-secrets"] {
                let names = secrets(generated).map(\.value)
                var named = spec
                named.generatedSecrets = names
                for (app, _) in named.appSecrets where app.count > EnvVarName.maxLength {
                    report(generated.path, at: Position(generated.value.mark), "`\(app)` would be longer than \(EnvVarName.maxLength) characters; shorten the name")
                }
                for name in names where spec.env.keys.contains(name) {
                    report(generated.path, at: Position(generated.value.mark), "`\(name)` is also in the service's `env`; a generated secret is made by codeb")
                }
                spec.generatedSecrets = names.filter { !spec.env.keys.contains($0) }
            }
            if let backup = fields["backup"], let backupFields = self.fields(backup.value, at: backup.path, what: "`backup`", allowed: SpecLayer.backupKeys) {
                guard let every = backupFields["every"].flatMap({ duration($0, within: .minutes(5)...(.hours(24 * 30))) }) else {
                    if backupFields["every"] == nil { report(backup.path, at: Position(backup.value.mark), "has no `every`, e.g. `backup: { every: 24h, keep: 7 }`") }
                    continue
                }
                let keep = backupFields["keep"].flatMap { integer($0.value, at: $0.path, what: "`keep`", range: 1...365) }?.value ?? 7
                spec.backup = BackupPolicy(every: every.value, keep: keep)
            }
            if let resources = fields["resources"], let limits = self.fields(resources.value, at: resources.path, what: "`resources`", allowed: ["memory", "cpus"]) {
                if let memory = limits["memory"], let parsed = self.memory(memory) { spec.memory = parsed.value }
                if let cpus = limits["cpus"], let parsed = value(cpus.value, at: cpus.path, what: "a number of CPUs, e.g. `1` or `0.5`", { text throws(InvalidValue) in
                    try CPUCount(parsing: text)
                }) { spec.cpus = parsed.value }
            }
            services.append(spec)
        }
        return Located(value: services.sorted { $0.name.value < $1.name.value }, position: Position(entry.value.mark), path: entry.path)
    }

    /// `bake: { for: 5m, max-error-rate: 2%, max-p95: 800ms, min-requests: 50 }`: `for` is required.
    private mutating func bake(_ entry: Entry) -> Located<BakePolicy>? {
        guard let bake = fields(entry.value, at: entry.path, what: "`bake`", allowed: SpecLayer.bakeKeys) else { return nil }
        guard let forEntry = bake["for"] else {
            report(entry.path, at: Position(entry.value.mark), "has no `for`: how long a new revision is watched, e.g. `bake: { for: 5m }`")
            return nil
        }
        guard let duration = duration(forEntry, within: .seconds(10)...(.hours(24))) else { return nil }
        var policy = BakePolicy(duration: duration.value)
        if let rate = bake["max-error-rate"] {
            guard let parsed = value(rate.value, at: rate.path, what: "a percentage such as `2%`", BakePolicy.basisPoints(parsing:)) else { return nil }
            policy.maxErrorRateBasisPoints = parsed.value
        }
        if let p95 = bake["max-p95"] {
            guard let parsed = self.duration(p95, within: .init(milliseconds: 1)...(.minutes(10))) else { return nil }
            policy.maxP95 = parsed.value
        }
        if let minimum = bake["min-requests"] {
            guard let parsed = integer(minimum.value, at: minimum.path, what: "`min-requests`", range: 1...1_000_000) else { return nil }
            policy.minRequests = parsed.value
        }
        return Located(value: policy, position: duration.position, path: entry.path)
    }

    /// `nodes: [app-1, app-2]`: distinct node names, at most 16.
    private mutating func nodes(_ entry: Entry) -> Located<[NodeName]>? {
        guard let items = list(entry.value, at: entry.path, what: "the nodes", example: "[app-1, app-2]") else { return nil }
        guard !items.isEmpty else {
            report(entry.path, at: Position(entry.value.mark), "lists no node; remove `nodes` to run on any host")
            return nil
        }
        guard items.count <= 16 else {
            report(entry.path, at: Position(entry.value.mark), "lists \(items.count) nodes; at most 16")
            return nil
        }
        var names: [NodeName] = []
        for item in items {
            guard let name = value(item.node, at: item.path, what: "a node name such as `app-1`", { text throws(InvalidValue) in
                try NodeName(parsing: text)
            }) else { continue }
            if names.contains(name.value) {
                report(item.path, at: name.position, "`\(name.value)` is listed twice")
                continue
            }
            names.append(name.value)
        }
        return Located(value: names, position: Position(entry.value.mark), path: entry.path)
    }

    private mutating func duration(_ entry: Entry, within range: ClosedRange<SpecDuration>) -> Located<SpecDuration>? {
        let parsed = value(entry.value, at: entry.path, what: "a duration such as `30s`") { text throws(InvalidValue) in
            try SpecDuration(parsing: text)
        }
        guard let parsed else { return nil }
        guard range.contains(parsed.value) else {
            report(entry.path, at: parsed.position, "must be from \(range.lowerBound) to \(range.upperBound), not \(parsed.value)")
            return nil
        }
        return parsed
    }

    private mutating func memory(_ entry: Entry) -> Located<ByteSize>? {
        let parsed = value(entry.value, at: entry.path, what: "a size such as `512m`") { text throws(InvalidValue) in
            try ByteSize(parsing: text)
        }
        guard let parsed else { return nil }
        guard parsed.value >= Resources.minimumMemory else {
            let hint = parsed.value.bytes < 1 << 20 ? "; did you mean `\(parsed.value.bytes)m`?" : ""
            report(entry.path, at: parsed.position, "is \(parsed.value.bytes) bytes; Docker needs at least 6m\(hint)")
            return nil
        }
        return parsed
    }

    private mutating func command(_ entry: Entry) -> Located<[String]>? {
        let example = "[\"node\", \"server.js\"]"
        guard let items = list(entry.value, at: entry.path, what: "the command as a list of arguments", example: example) else {
            return nil
        }
        guard !items.isEmpty else {
            report(entry.path, at: Position(entry.value.mark), "is an empty list; remove `command` to run the image's own CMD")
            return nil
        }
        var arguments: [String] = []
        var valid = true
        for item in items {
            if let argument = text(item.node, at: item.path, what: "an argument") {
                arguments.append(argument.value)
            } else {
                valid = false
            }
        }
        return valid ? Located(value: arguments, position: Position(entry.value.mark), path: entry.path) : nil
    }

    /// `secrets: [DATABASE_URL, API_TOKEN]`: distinct variable names, at most 100. Only names:
    /// a value written here would end up in git, which is what `secrets` exists to avoid.
    private mutating func secrets(_ entry: Entry) -> [Located<EnvVarName>] {
        guard let items = list(entry.value, at: entry.path, what: "the names of secrets", example: "[DATABASE_URL, API_TOKEN]") else {
            return []
        }
        guard items.count <= 100 else {
            report(entry.path, at: Position(entry.value.mark), "lists \(items.count) secrets; at most 100")
            return []
        }
        var names: [Located<EnvVarName>] = []
        for item in items {
            if case .mapping = item.node {
                report(item.path, at: Position(item.node.mark), "`secrets` lists names only; set values with `codeb secrets set PROJECT NAME=VALUE`, never in codeb.yaml")
                continue
            }
            guard let name = value(item.node, at: item.path, what: "a variable name such as `DATABASE_URL`", { text throws(InvalidValue) in
                try EnvVarName(parsing: text)
            }) else { continue }
            if names.contains(where: { $0.value == name.value }) {
                report(item.path, at: name.position, "`\(name.value)` is listed twice")
                continue
            }
            names.append(name)
        }
        return names
    }

    private mutating func env(_ entry: Entry) -> [EnvVarName: String] {
        guard let entries = pairs(entry.value, at: entry.path, what: "`env`") else { return [:] }
        var env: [EnvVarName: String] = [:]
        for variable in entries {
            let name: EnvVarName
            do {
                name = try EnvVarName(parsing: variable.key)
            } catch {
                report(variable.path, at: variable.keyPosition, error.message)
                continue
            }
            if let value = text(variable.value, at: variable.path, what: "a value (`\"\"` for an empty string)") {
                env[name] = value.value
            }
        }
        return env
    }
}
