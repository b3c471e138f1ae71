import Configuration

/// The settings' sources and their precedence — flags over `CODEB_*` variables over the config
/// file over the daemon's defaults — read through swift-configuration's `ConfigReader`.
///
/// Its `EnvironmentVariablesProvider` (under the `codeb` key prefix) reads the variables. The
/// flags and the file's values come in as `InMemoryProvider`s rather than through its
/// `CommandLineArgumentsProvider` and YAML `FileProvider`: the former splits every value on
/// commas (`--ports production=4100-4999,staging=…` would become a list) and takes a
/// misspelled flag as a setting nobody reads; the latter refuses a list of mappings, which is
/// what `notify:` is, and cannot say which top-level key is unknown.
extension ControllerSetting {
    /// `configuration` with every setting a source gives applied, checked one by one; the first
    /// bad value is the error (nothing is half-applied: the caller gets a new value or nothing).
    public static func resolve(
        flags: [String: String], environment: [String: String], file: [String: String], fileName: String = "config file",
        onto defaults: Configuration = Configuration()
    ) throws(Problem) -> Configuration {
        let secretVariables = Set(catalogue.filter(\.isSecret).map(\.variable))
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: values(flags)),
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(secretVariables)).prefixKeys(with: ["codeb"]),
            InMemoryProvider(name: fileName, values: values(file)),
        ])
        var configuration = defaults
        for setting in catalogue {
            if let text = reader.string(forKey: ConfigKey([setting.name]), isSecret: setting.isSecret) {
                try setting.apply(text, to: &configuration)
            }
        }
        return configuration
    }

    private static func values(_ texts: [String: String]) -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, text) in texts {
            values[AbsoluteConfigKey([name])] = ConfigValue(.string(text), isSecret: named(name)?.isSecret ?? false)
        }
        return values
    }

    /// `--name value`, `--name=value` and, for a switch, `--name` alone, each checked against
    /// the catalogue: a misspelled flag is an error that lists the settings, not a setting
    /// nobody reads. A flag given twice takes its last value, as every other option does.
    public static func flags(from arguments: [String]) throws(Problem) -> [String: String] {
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw Problem("unexpected argument `\(argument)`; settings are given as --NAME VALUE (see codeb controller --help)")
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            guard let setting = named(name) else {
                throw Problem("unknown option `--\(name)`; the settings are \(catalogue.map(\.flag).joined(separator: ", "))")
            }
            if let equals = body.firstIndex(of: "=") {
                values[name] = String(body[body.index(after: equals)...])
            } else if setting.placeholder == nil {
                values[name] = "true"
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw Problem("\(setting.flag) needs a value (\(setting.placeholder ?? "VALUE")), e.g. \(setting.flag) \(setting.example)")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
        return values
    }
}
