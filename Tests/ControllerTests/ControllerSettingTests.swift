@testable import Controller
import Foundation
import Testing

/// The settings catalogue: each declaration is read from its flag, its variable and its file
/// key alike, says what a bad value is, and is what help and docs print.
@Suite struct ControllerSettingTests {
    typealias Configuration = ControllerDaemon.Configuration

    static func resolve(flags: [String] = [], environment: [String: String] = [:], file: [String: String] = [:]) throws -> Configuration {
        try ControllerSetting.resolve(flags: try ControllerSetting.flags(from: flags), environment: environment, file: file)
    }

    @Test(arguments: ControllerSetting.catalogue.map(\.name))
    func everySettingIsReadFromItsFlagItsVariableAndItsFileKeyAndChangesOnlyItsField(_ name: String) throws {
        let setting = try #require(ControllerSetting.named(name))
        let defaults = Configuration()
        let arguments = setting.placeholder == nil ? [setting.flag] : [setting.flag, setting.example]
        let fromFlag = try Self.resolve(flags: arguments)
        let fromVariable = try Self.resolve(environment: [setting.variable: setting.example])
        let fromFile = try Self.resolve(file: [setting.name: setting.example])
        #expect(setting.value(in: fromFile) != setting.value(in: defaults), "the example changes \(name)")
        #expect(setting.value(in: fromFlag) == setting.value(in: fromFile))
        #expect(setting.value(in: fromVariable) == setting.value(in: fromFile))
        for other in ControllerSetting.catalogue where other.name != name {
            #expect(other.value(in: fromFile) == other.value(in: defaults), "\(name) changed \(other.name) too")
        }
    }

    @Test func flagsWinOverVariablesWhichWinOverTheFile() throws {
        let configuration = try Self.resolve(
            flags: ["--workers", "8"], environment: ["CODEB_WORKERS": "4", "CODEB_RESYNC": "20"], file: ["workers": "2", "resync": "10", "state-dir": "/from/file"]
        )
        #expect(configuration.workers == 8)
        #expect(configuration.resync == .seconds(20))
        #expect(configuration.stateDirectory == "/from/file")
    }

    @Test(arguments: [
        (["--wrokers", "3"], "unknown option `--wrokers`; the settings are --listen"),
        (["--workers"], "--workers needs a value (N), e.g. --workers 8"),
        (["--workers", "--resync", "5s"], "--workers needs a value"),
        (["8"], "unexpected argument `8`"),
        (["--workers=0"], "workers: `0` is not a whole number from 1 to 64"),
        (["--caddy-http-port", "70000"], "caddy-http-port: `70000` is not a whole number from 1 to 65535"),
        (["--resync", "5 s"], "resync:"),
        (["--lease-ttl", "1s"], "lease-ttl: `1s` is outside 2s to 10m"),
        (["--mcp-destructive-tools=maybe"], "mcp-destructive-tools: `maybe` is not true or false"),
        (["--listen", "nowhere"], "listen: `nowhere` is not host:port"),
    ])
    func aBadFlagIsOneSentenceNamingTheSetting(_ arguments: [String], _ expected: String) throws {
        let error = #expect(throws: ControllerSetting.Problem.self) { try Self.resolve(flags: arguments) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test func theDatabaseURLIsTheOnlySecretSetting() throws {
        #expect(ControllerSetting.catalogue.filter(\.isSecret).map(\.name) == ["database-url"])
    }

    @Test func everySettingHasAUniqueNameAFlagAVariableAndAHelpLineWithItsDefault() throws {
        let names = ControllerSetting.catalogue.map(\.name)
        #expect(Set(names).count == names.count)
        let help = ControllerSetting.helpText
        for setting in ControllerSetting.catalogue {
            #expect(setting.name.allSatisfy { $0.isLowercase || $0 == "-" }, "\(setting.name)")
            #expect(help.contains("  \(setting.usage)\n"))
            if let shown = setting.defaultText { #expect(help.contains(shown.split(separator: " ").first.map(String.init) ?? shown)) }
            #expect(help.split(separator: "\n").allSatisfy { $0.count <= 79 })
        }
    }

    /// docs/controller.md's table is the catalogue's (`CODEB_UPDATE_DOCS=1` writes it).
    @Test func theReferenceInTheDocsIsTheCatalogue() throws {
        let path = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "docs/controller.md").path
        let page = try String(contentsOfFile: path, encoding: .utf8)
        let begin = "<!-- settings:begin (ControllerSetting.markdownTable; CODEB_UPDATE_DOCS=1 swift test --filter ControllerSettingTests) -->\n"
        let end = "\n<!-- settings:end -->"
        let start = try #require(page.range(of: begin), "docs/controller.md has the settings markers")
        let stop = try #require(page.range(of: end, range: start.upperBound..<page.endIndex))
        let table = String(page[start.upperBound..<stop.lowerBound])
        if table != ControllerSetting.markdownTable, ProcessInfo.processInfo.environment["CODEB_UPDATE_DOCS"] == "1" {
            try page.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: ControllerSetting.markdownTable).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(table == ControllerSetting.markdownTable, "run CODEB_UPDATE_DOCS=1 swift test --filter ControllerSettingTests")
    }
}
