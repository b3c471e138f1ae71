/// A container image reference in Docker's grammar: `[registry[:port]/]path[:tag][@sha256:digest]`,
/// e.g. `registry.example.com/acme/shop:3f9c2e1` or `codeb-test/web:1`.
///
/// A reference without tag or digest means `:latest`; `canonical` spells out Docker's implied
/// registry and `library/` namespace, so `nginx`, `nginx:latest` and
/// `docker.io/library/nginx:latest` are one image to the template hash.
public struct ImageReference: TextValue, Sendable, Hashable {
    /// The registry host (and port), when the reference names one.
    public let registry: String?
    /// The repository path below the registry, e.g. `acme/shop`.
    public let repository: String
    /// The tag; `latest` when the reference has neither tag nor digest.
    public let tag: String?
    /// `sha256:<64 hex>`, when pinned by digest.
    public let digest: String?

    public init(parsing text: String) throws(InvalidValue) {
        if text.isEmpty {
            throw InvalidValue("an image reference must not be empty")
        }
        if text.count > 512 {
            throw InvalidValue("the image reference is \(text.count) characters long; the limit is 512")
        }
        if let bad = text.first(where: { !Self.isReferenceCharacter($0) }) {
            throw InvalidValue("an image reference contains \(CharacterName.describe(bad)); write e.g. `registry.example.com/team/app:1.2.3`")
        }
        if text.contains("://") {
            throw InvalidValue("an image reference has no scheme: write `registry.example.com/team/app:tag`")
        }
        // A local image ID names whatever sits in this host's image cache (perhaps another team's
        // private pull), not an image anyone may pull: only repository names are accepted.
        let lowered = text.lowercased()
        if lowered.hasPrefix("sha256:") || (lowered.count == 64 && lowered.allSatisfy(\.isHexDigit)) {
            throw InvalidValue("`\(text.prefix(20))…` is a local image ID, not an image reference; name the image by repository and tag, or pin it with `repository@sha256:…`")
        }
        var rest = Substring(text)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let value = rest[rest.index(after: at)...]
            let hex = value.dropFirst("sha256:".count)
            guard value.hasPrefix("sha256:"), hex.count == 64,
                  hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            else {
                throw InvalidValue("the digest must be `sha256:` followed by 64 lower-case hex digits")
            }
            digest = String(value)
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let value = rest[rest.index(after: colon)...]
            guard let first = value.first, first != ".", first != "-", value.count <= 128,
                  value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
            else {
                throw InvalidValue("the tag `\(value)` is not valid: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`")
            }
            tag = String(value)
            rest = rest[..<colon]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry: String?
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
            try Self.checkRegistry(first)
            registry = first
            components.removeFirst()
        }
        for component in components {
            try Self.checkPathComponent(component)
        }
        let repository = components.joined(separator: "/")
        if repository.count + (registry.map { $0.count + 1 } ?? 0) > 255 {
            throw InvalidValue("the image name is longer than 255 characters")
        }
        self.registry = registry
        self.repository = repository
        self.tag = tag ?? (digest == nil ? "latest" : nil)
        self.digest = digest
    }

    private static func isReferenceCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue, ascii > 0x20, ascii < 0x7F else { return false }
        return character.isLetter || character.isNumber || "._-/:@".contains(character)
    }

    static func checkRegistry(_ host: String) throws(InvalidValue) {
        let parts = host.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw InvalidValue("the registry `\(host)` is not a host or host:port")
        }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else {
                throw InvalidValue("the registry port in `\(host)` is not a number from 1 to 65535")
            }
        }
        for label in parts[0].split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63, label.first != "-", label.last != "-",
                  label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else {
                throw InvalidValue("the registry `\(host)` is not a valid host name")
            }
        }
    }

    /// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
    private static func checkPathComponent(_ component: String) throws(InvalidValue) {
        let hint = "each part of an image path is lower-case letters and digits, joined by `.`, `_`, `__` or `-`"
        guard !component.isEmpty else {
            throw InvalidValue("the image path has an empty part (`//`, or a leading or trailing `/`)")
        }
        if component.contains(where: \.isUppercase) {
            throw InvalidValue("the image path `\(component)` must be lower case")
        }
        var previousWasSeparator = true
        var separator = ""
        for character in component {
            let isAlphanumeric = character.isASCII && (character.isLowercase || character.isNumber)
            if isAlphanumeric {
                if !separator.isEmpty {
                    let valid = separator == "." || separator == "_" || separator == "__" || separator.allSatisfy { $0 == "-" }
                    guard valid else { throw InvalidValue("`\(component)`: \(hint)") }
                }
                separator = ""
                previousWasSeparator = false
            } else if "._-".contains(character) {
                guard !previousWasSeparator || !separator.isEmpty else {
                    throw InvalidValue("`\(component)`: \(hint)")
                }
                separator.append(character)
                previousWasSeparator = true
            } else {
                throw InvalidValue("`\(component)`: \(hint)")
            }
        }
        guard separator.isEmpty else { throw InvalidValue("`\(component)`: \(hint)") }
    }

    /// The reference as Docker is asked for it: the user's spelling, with `:latest` made explicit.
    public var description: String {
        var text = registry.map { "\($0)/" } ?? ""
        text += repository
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// The fully qualified form, equal for every spelling of the same image.
    public var canonical: String {
        var host = registry?.lowercased() ?? "docker.io"
        if host == "index.docker.io" || host == "registry-1.docker.io" { host = "docker.io" }
        var path = repository
        if host == "docker.io", !path.contains("/") { path = "library/\(path)" }
        var text = "\(host)/\(path)"
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }
}
