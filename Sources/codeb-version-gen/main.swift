// Reads the repository's VERSION file and writes a Swift source file declaring it.
// Usage: codeb-version-gen <VERSION> <output.swift>
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: codeb-version-gen <VERSION> <output.swift>\n".utf8))
    exit(64)
}
let raw: String
do {
    raw = try String(contentsOfFile: arguments[1], encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("codeb-version-gen: cannot read \(arguments[1]): \(error)\n".utf8))
    exit(66)
}
let version = raw.trimmingCharacters(in: .whitespacesAndNewlines)
// A version is dotted numbers with an optional pre-release/build suffix; anything else
// (quotes, backslashes, newlines) must not reach generated source.
let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-+")
guard !version.isEmpty, version.first!.isNumber, version.allSatisfy({ allowed.contains($0) }) else {
    FileHandle.standardError.write(Data("codeb-version-gen: VERSION must look like 1.2.3, found \(version.debugDescription)\n".utf8))
    exit(65)
}
let source = """
    // Generated from VERSION by VersionPlugin. Do not edit.
    extension CodebVersion {
        static let generated = "\(version)"
    }

    """
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
} catch {
    FileHandle.standardError.write(Data("codeb-version-gen: cannot write \(arguments[2]): \(error)\n".utf8))
    exit(73)
}
