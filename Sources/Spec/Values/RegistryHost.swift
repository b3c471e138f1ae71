/// A registry's host and optional port, as image references name it (`registry.example.com`,
/// `127.0.0.1:5000`), lowercased. Docker Hub is `docker.io`.
public struct RegistryHost: TextValue, Sendable, Hashable, Comparable {
    public let value: String

    public init(parsing text: String) throws(InvalidValue) {
        guard !text.isEmpty, text.count <= 255 else {
            throw InvalidValue("a registry is a host or host:port such as `registry.example.com`, at most 255 characters")
        }
        if text.contains("/") {
            throw InvalidValue("a registry is a host or host:port such as `registry.example.com`, without a scheme or path")
        }
        try ImageReference.checkRegistry(text)
        let lowered = text.lowercased()
        value = lowered == "index.docker.io" || lowered == "registry-1.docker.io" ? "docker.io" : lowered
    }

    /// The registry `image` is pulled from (`docker.io` when it names none).
    public init(of image: ImageReference) {
        let host = image.registry?.lowercased() ?? "docker.io"
        value = host == "index.docker.io" || host == "registry-1.docker.io" ? "docker.io" : host
    }

    public var description: String { value }

    public static func < (lhs: RegistryHost, rhs: RegistryHost) -> Bool { lhs.value < rhs.value }
}
