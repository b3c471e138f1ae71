/// The version of codeb, taken at build time from the repository's `VERSION` file
/// (see `Sources/VersionPlugin`), which is its single source.
public enum CodebVersion {
    /// The version string, e.g. `0.1.0`.
    public static var current: String { generated }

    /// Whether this build obeys the crash-injection hook (`CODEB_CRASH_AT`): debug builds, the
    /// ones tests run, do; a release build never does.
    public static var faultInjection: Bool {
        #if DEBUG
        true
        #else
        false
        #endif
    }
}
