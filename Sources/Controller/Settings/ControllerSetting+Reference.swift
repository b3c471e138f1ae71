/// The settings as people read them — `codeb controller --help` and the table in
/// docs/controller.md — both made from the catalogue.
extension ControllerSetting {
    /// `--listen HOST:PORT`, `--mcp-destructive-tools`.
    public var usage: String { placeholder.map { "\(flag) \($0)" } ?? flag }

    /// The help's settings section: one entry per setting with its default.
    public static var helpText: String {
        var lines = wrapped(
            "SETTINGS (each also a config-file key, `listen: 127.0.0.1:9101`, and a variable, CODEB_LISTEN; "
                + "flags win over variables, which win over the file; times take 30s, 5m, 1h30m or bare seconds):", indent: ""
        )
        for setting in catalogue {
            lines.append("  \(setting.usage)")
            lines += wrapped(setting.help + (setting.defaultText.map { " (default: \($0))" } ?? ""), indent: "        ")
        }
        return lines.joined(separator: "\n")
    }

    /// Lines of at most 79 characters (the help printer re-wraps longer ones without the indent).
    static func wrapped(_ text: String, indent: String, width: Int = 79) -> [String] {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count > indent.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        lines.append(line)
        return lines
    }

    /// docs/controller.md's reference table, between its `settings` markers.
    public static var markdownTable: String {
        var lines = ["| setting (file key) | flag, variable | default | what it does |", "|---|---|---|---|"]
        for setting in catalogue {
            let escaped = setting.help.replacing("|", with: "\\|")
            // A value is shown as code; words (`no limit`, `the host name`) as words.
            let literal = setting.shownDefault == nil ? setting.value(in: Configuration()).map { "`\($0)`" } : nil
            lines.append("| `\(setting.name)` | `\(setting.usage)`, `\(setting.variable)` | \(literal ?? setting.defaultText ?? "—") | \(escaped) |")
        }
        return lines.joined(separator: "\n")
    }
}
