/// The version of codeb, taken at build time from the repository's `VERSION` file
/// (see `Sources/VersionPlugin`), which is its single source.
public enum CodebVersion {
    /// The version string, e.g. `0.1.0`.
    public static var current: String { generated }
}
