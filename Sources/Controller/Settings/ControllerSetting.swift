import Spec

/// One controller setting, declared once (`ControllerSetting.catalogue`): its name is the flag
/// (`--NAME`), the config-file key (`NAME:`) and, upper-cased with `_`, the variable
/// (`CODEB_NAME`); its default is read off `ControllerDaemon.Configuration()`, so help, docs
/// and the parser cannot disagree with the daemon. Reading a value checks it and writes the
/// configuration field it describes.
public struct ControllerSetting: Sendable {
    public typealias Configuration = ControllerDaemon.Configuration

    /// `caddy-http-port`: the flag, file key and variable are derived from it.
    public let name: String
    /// The value's shape in help (`HOST:PORT`); nil for a switch (given = true).
    public let placeholder: String?
    /// A value that is accepted and changes the configuration (tests set every setting to it).
    public let example: String
    public let help: String
    /// What leaving it unset means when the configuration holds no value (`no limit`).
    public let unset: String?
    /// The default as help says it, where the daemon's own would differ per machine.
    let shownDefault: String?
    /// Marked secret in swift-configuration's reader (never logged by its access reporters).
    public let isSecret: Bool
    let show: @Sendable (Configuration) -> String?
    let write: @Sendable (String, inout Configuration) throws(Problem) -> Void

    public init(
        _ name: String, placeholder: String?, example: String, unset: String? = nil, shownDefault: String? = nil, secret: Bool = false, help: String,
        show: @escaping @Sendable (Configuration) -> String?, write: @escaping @Sendable (String, inout Configuration) throws(Problem) -> Void
    ) {
        self.name = name
        self.placeholder = placeholder
        self.example = example
        self.unset = unset
        self.shownDefault = shownDefault
        self.isSecret = secret
        self.help = help
        self.show = show
        self.write = write
    }

    public var flag: String { "--" + name }
    public var variable: String { "CODEB_" + name.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() }
    /// The default as help and docs say it: the daemon's own default, else what unset means.
    public var defaultText: String? { shownDefault ?? show(Configuration()) ?? unset }

    /// This setting's value in `configuration`, as it would be written (nil: unset).
    public func value(in configuration: Configuration) -> String? { show(configuration) }

    /// Checks `text` and writes it into `configuration`; the error starts with the setting's name.
    public func apply(_ text: String, to configuration: inout Configuration) throws(Problem) {
        do {
            try write(text, &configuration)
        } catch {
            throw Problem("\(name): \(error.message)")
        }
    }

    /// Why a setting's value, or a settings source, cannot be used: one sentence naming the
    /// setting and what it takes.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }
}
