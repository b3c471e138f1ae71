/// The console's files, inside the binary: no separate server, no build step, no Node at run
/// time. They are kept as real files (`Assets/console.html`, `.css`, `.js`: an editor, a linter
/// and a reviewer read them as what they are) and embedded by SwiftPM at build time.
enum ConsoleAssets {
    /// The one page: a shell the script fills; no inline script or style (the CSP forbids them).
    static let html = String(decoding: PackageResources.console_html, as: UTF8.self)
    static let css = String(decoding: PackageResources.console_css, as: UTF8.self)
    /// The console's behaviour, plain JavaScript: routes by the URL's hash, renders from the
    /// JSON API (text only, never HTML from data), refreshes the page shown when the events
    /// stream says its environment changed. The key stays in session storage. Linted by
    /// `make lint-console` (Assets/eslintrc.yaml).
    static let script = String(decoding: PackageResources.console_js, as: UTF8.self)
}
