import Yams

/// Turns codeb.yaml (or JSON) text into a validated `Spec`, reporting every problem at once.
public enum SpecLoader {
    /// The largest file accepted, in bytes (256 KiB).
    public static var maxBytes: Int { InputGuards.maxBytes }

    static let topLevelKeys = ["project", "team"] + SpecLayer.keys + ["environments"]
    static let environmentKeys = SpecLayer.keys + ["domains", "tls", "hsts"]
    static let maxDomains = 100

    /// Loads a spec.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name problems are reported under (a path, or `-` for standard input).
    ///   - variables: what `${NAME}` expands to.
    /// - Throws: `SpecError` with every problem, sorted by position.
    public static func load(_ bytes: [UInt8], file: String, variables: Variables = Variables()) throws(SpecError) -> Spec {
        var reader = NodeReader(file: file, variables: variables)
        let spec = load(bytes, reader: &reader)
        if reader.problems.isEmpty, let spec {
            return spec
        }
        // Stable sort: problems at one position keep the order they were found in.
        let sorted = reader.problems.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
        throw SpecError(problems: sorted)
    }

    /// Loads a spec from text.
    public static func load(_ text: String, file: String, variables: Variables = Variables()) throws(SpecError) -> Spec {
        try load(Array(text.utf8), file: file, variables: variables)
    }

    private static func load(_ bytes: [UInt8], reader: inout NodeReader) -> Spec? {
        let root: Node
        do {
            let text = try InputGuards.text(from: bytes)
            try InputGuards.checkNesting(text)
            guard let composed = try compose(text, reader: &reader) else {
                reader.report(.root, at: .start, "the file is empty; a spec needs at least `project`, `team`, `image`, `port` and `environments`")
                return nil
            }
            root = composed
        } catch {
            reader.report(.root, at: error.position, error.message)
            return nil
        }
        guard InputGuards.isWithinNodeBudget(root) else {
            reader.report(.root, at: .start, "the document has more than \(InputGuards.maxNodes) values once its aliases are expanded; that many never make a spec (alias bomb?)")
            return nil
        }
        guard case .mapping = root else {
            reader.report(.root, at: Position(root.mark), "a spec is a mapping of keys such as `project: shop`, not \(NodeReader.kind(of: root))")
            return nil
        }
        return readSpec(root, reader: &reader)
    }

    /// Parses YAML; a syntax error becomes a problem and nil.
    private static func compose(_ text: String, reader: inout NodeReader) throws(InputGuards.Failure) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxFailure(error)
        } catch {
            throw InputGuards.Failure(position: .start, message: "the file is not valid YAML: \(error)")
        }
    }

    private static func syntaxFailure(_ error: YamlError) -> InputGuards.Failure {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            return InputGuards.Failure(position: Position(mark), message: "the file is not valid YAML: \(detail)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return InputGuards.Failure(position: Position(context.mark), message: "\(keys) \(duplicates.count == 1 ? "is" : "are") written more than once in one mapping (first here); keep one")
        case .reader(let problem, _, _, _):
            return InputGuards.Failure(position: .start, message: "the file cannot be read as YAML: \(problem)")
        default:
            return InputGuards.Failure(position: .start, message: "the file is not valid YAML: \(error)")
        }
    }

    private static func readSpec(_ root: Node, reader: inout NodeReader) -> Spec? {
        let misplaced = [
            "domains": "`domains` belongs to an environment: move it under `environments.production` (or another environment)",
            "tls": "`tls` belongs to an environment: move it under `environments.production` (or another environment)",
            "hsts": "`hsts` belongs to an environment: move it under `environments.production` (or another environment)",
        ]
        guard let fields = reader.fields(root, at: .root, what: "the spec", allowed: topLevelKeys, misplaced: misplaced) else {
            return nil
        }
        let rootPosition = Position(root.mark)
        let project = name(fields["project"], key: "project", example: "shop", at: rootPosition, reader: &reader)
        let team = name(fields["team"], key: "team", example: "acme", at: rootPosition, reader: &reader)
        let base = reader.layer(from: fields)

        guard let environmentsEntry = fields["environments"] else {
            reader.report(KeyPath.root.appending("environments"), at: rootPosition, "is missing: add e.g. `environments: { production: { domains: [shop.example.com] } }`")
            return nil
        }
        let environments = readEnvironments(environmentsEntry, base: base, reader: &reader)
        guard let project, let team, let environments else { return nil }
        return Spec(project: project, team: team, environments: environments)
    }

    private static func name(_ entry: NodeReader.Entry?, key: String, example: String, at position: Position, reader: inout NodeReader) -> ResourceName? {
        guard let entry else {
            reader.report(KeyPath.root.appending(key), at: position, "is missing: add e.g. `\(key): \(example)`")
            return nil
        }
        return reader.value(entry.value, at: entry.path, what: "a name such as `\(example)`") { text throws(InvalidValue) in
            try ResourceName(parsing: text)
        }?.value
    }

    private static func readEnvironments(_ entry: NodeReader.Entry, base: SpecLayer, reader: inout NodeReader) -> [EnvironmentName: EnvironmentSpec]? {
        guard let entries = reader.pairs(entry.value, at: entry.path, what: "`environments`") else { return nil }
        if entries.isEmpty {
            reader.report(entry.path, at: Position(entry.value.mark), "defines no environment; add `production`, `staging` or `preview`")
            return nil
        }
        let kinds = EnvironmentName.Kind.allCases.map(\.rawValue)
        var environments: [EnvironmentName: EnvironmentSpec] = [:]
        var domainOwners: [Hostname: KeyPath] = [:]
        var valid = true
        for environment in entries {
            guard let kind = EnvironmentName.Kind(rawValue: environment.key) else {
                valid = false
                if environment.key.hasPrefix("preview-") {
                    reader.report(environment.path, at: environment.keyPosition, "preview instances are not listed here: define the `preview` block and create `\(environment.key)` with `codeb apply --env \(environment.key)`")
                } else if let suggestion = Suggestion.closest(to: environment.key, in: kinds) {
                    reader.report(environment.path, at: environment.keyPosition, "unknown environment; did you mean `\(suggestion)`?")
                } else {
                    reader.report(environment.path, at: environment.keyPosition, "unknown environment; environments are `production`, `staging` and `preview`")
                }
                continue
            }
            guard let resolved = readEnvironment(environment, kind: kind, base: base, domainOwners: &domainOwners, reader: &reader) else {
                valid = false
                continue
            }
            environments[resolved.name] = resolved
        }
        return valid ? environments : nil
    }

    private static func readEnvironment(
        _ entry: NodeReader.Entry, kind: EnvironmentName.Kind, base: SpecLayer,
        domainOwners: inout [Hostname: KeyPath], reader: inout NodeReader
    ) -> EnvironmentSpec? {
        let name = EnvironmentName(kind)
        let misplaced = [
            "project": "`project` is set once at the top level, not per environment",
            "team": "`team` is set once at the top level, not per environment",
            "environments": "environments do not nest",
        ]
        // `staging:` with nothing under it inherits everything.
        let fields: [String: NodeReader.Entry]
        if NodeReader.isNull(entry.value) {
            fields = [:]
        } else {
            guard let read = reader.fields(entry.value, at: entry.path, what: "an environment", allowed: environmentKeys, misplaced: misplaced) else {
                return nil
            }
            fields = read
        }
        let problemsBefore = reader.problems.count
        let layer = base.overlaid(by: reader.layer(from: fields))
        let domains = fields["domains"].flatMap {
            readDomains($0, kind: kind, owners: &domainOwners, reader: &reader)
        } ?? []
        let tls = fields["tls"].flatMap { entry in
            reader.value(entry.value, at: entry.path, what: "`auto` or `internal`") { text throws(InvalidValue) in
                guard let policy = TLSPolicy(rawValue: text) else {
                    let hint = Suggestion.closest(to: text, in: TLSPolicy.allCases.map(\.rawValue)).map { "; did you mean `\($0)`?" } ?? ""
                    throw InvalidValue("must be `auto` (a public CA) or `internal` (Caddy's own CA), not `\(text)`\(hint)")
                }
                return policy
            }
        }
        let hsts = fields["hsts"].flatMap { entry in
            reader.value(entry.value, at: entry.path, what: "`true` or `false`") { text throws(InvalidValue) in
                switch text {
                case "true": return true
                case "false": return false
                default: throw InvalidValue("must be `true` or `false`, not `\(text)`")
                }
            }
        }

        guard let image = layer.image else {
            if layer.written.contains("image") { return nil }
            reader.report(entry.path, at: entry.keyPosition, "has no `image`: set `image` at the top level or in this environment")
            return nil
        }
        guard let port = layer.port else {
            if layer.written.contains("port") { return nil }
            reader.report(entry.path, at: entry.keyPosition, "has no `port`: set the port the app listens on at the top level or in this environment")
            return nil
        }
        let healthcheck = Healthcheck(
            path: layer.healthPath?.value ?? Healthcheck.defaultPath,
            interval: layer.healthInterval?.value ?? Healthcheck.defaultInterval,
            timeout: layer.healthTimeout?.value ?? Healthcheck.defaultTimeout,
            healthyThreshold: layer.healthyThreshold?.value ?? Healthcheck.defaultHealthyThreshold,
            deadline: layer.healthDeadline?.value ?? Healthcheck.defaultDeadline
        )
        checkHealthcheck(healthcheck, layer: layer, environment: entry, reader: &reader)
        for secret in layer.secrets where layer.env[secret.value] != nil {
            reader.report(secret.path, at: secret.position, "`\(secret.value)` is in both `env` and `secrets` (for \(name)); a secret's value is set with `codeb secrets set`, so remove it from `env`")
        }
        if let services = layer.services {
            // The app is told where its services are by variables of their own; one the app
            // also sets itself would be silently overridden by one side.
            let own = Set(layer.env.keys.map(\.value)).union(layer.secrets.map(\.value.value))
            for service in services.value {
                for variable in service.injectedVariables where own.contains(variable) {
                    reader.report(services.path.appending(service.name.value), at: services.position, "codeb gives the app `\(variable)` for the service `\(service.name)` (for \(name)); remove `\(variable)` from the app's `env` or `secrets`, or rename the service")
                }
            }
        }
        guard reader.problems.count == problemsBefore else { return nil }

        // Where its services are is part of what the app runs with (so a new service, or a
        // moved port, rolls the app out); their generated values are secrets like its own.
        let services = layer.services?.value ?? []
        var env = layer.env
        // The layer checked each name makes a variable (a letter first, not too long).
        for service in services {
            if let host = try? EnvVarName(parsing: service.hostVariable) { env[host] = service.name.value }
            if let port = try? EnvVarName(parsing: service.portVariable) { env[port] = String(service.port.value) }
        }
        let generated = services.flatMap(\.appSecretNames)
        let template = SlotTemplate(
            image: image.value,
            command: layer.command?.value,
            env: env,
            secrets: (layer.secrets.map(\.value) + generated).sorted(),
            port: port.value,
            resources: Resources(
                memory: layer.memory?.value ?? Resources.defaultMemory,
                cpus: layer.cpus?.value ?? Resources.defaultCPUs,
                pids: layer.pids?.value ?? Resources.defaultPids
            ),
            healthcheck: healthcheck
        )
        return EnvironmentSpec(
            name: name,
            template: template,
            domains: domains,
            promote: layer.promote?.value ?? .auto,
            grace: layer.grace?.value ?? EnvironmentSpec.defaultGrace,
            stopTimeout: layer.stopTimeout?.value ?? EnvironmentSpec.defaultStopTimeout,
            nodes: layer.nodes?.value ?? [],
            tls: tls?.value ?? .auto,
            hsts: hsts?.value ?? false,
            bake: layer.bake?.value,
            services: services
        )
    }

    /// A health check that can never pass is refused now rather than failing every rollout.
    private static func checkHealthcheck(_ check: Healthcheck, layer: SpecLayer, environment: NodeReader.Entry, reader: inout NodeReader) {
        // Report at the field that was written, preferring the deadline, else at the environment.
        let anchor = layer.healthDeadline ?? layer.healthTimeout ?? layer.healthInterval ?? layer.healthyThreshold.map {
            Located(value: SpecDuration(milliseconds: 0), position: $0.position, path: $0.path)
        }
        let path = anchor?.path ?? environment.path.appending("healthcheck")
        let position = anchor?.position ?? environment.keyPosition
        if check.timeout > check.deadline {
            reader.report(path, at: position, "the health check timeout (\(check.timeout)) is longer than its deadline (\(check.deadline))")
        }
        let minimum = SpecDuration(milliseconds: check.interval.milliseconds * Int64(check.healthyThreshold - 1))
        if minimum >= check.deadline {
            reader.report(path, at: position, "the deadline (\(check.deadline)) is too short for \(check.healthyThreshold) healthy checks \(check.interval) apart; lengthen `deadline` or shorten `interval`")
        }
    }

    private static func readDomains(
        _ entry: NodeReader.Entry, kind: EnvironmentName.Kind, owners: inout [Hostname: KeyPath], reader: inout NodeReader
    ) -> [Hostname]? {
        if kind == .preview {
            reader.report(entry.path, at: entry.keyPosition, "preview instances are served at `{environment}.{project}.{previewDomain}` (the controller's --preview-domain); remove `domains`")
            return nil
        }
        guard let items = reader.list(entry.value, at: entry.path, what: "the domains", example: "[shop.example.com]") else {
            return nil
        }
        if items.count > maxDomains {
            reader.report(entry.path, at: Position(entry.value.mark), "lists \(items.count) domains; an environment may have at most \(maxDomains)")
            return nil
        }
        var domains: [Hostname] = []
        for item in items {
            guard let domain = reader.value(item.node, at: item.path, what: "a domain such as `shop.example.com`", { text throws(InvalidValue) in
                try Hostname(parsing: text)
            }) else { continue }
            if let owner = owners[domain.value] {
                reader.report(item.path, at: domain.position, "`\(domain.value)` is already served by \(owner); a domain belongs to one environment")
                continue
            }
            owners[domain.value] = item.path
            domains.append(domain.value)
        }
        return domains
    }
}

extension EnvironmentName {
    init(_ kind: Kind) {
        switch kind {
        case .production: self = .production
        case .staging: self = .staging
        case .preview: self = .preview
        }
    }
}
