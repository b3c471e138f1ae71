/// The console's files, inside the binary: no separate server, no build step, no Node.
enum ConsoleAssets {
    /// The one page: a shell the script fills; no inline script or style (the CSP forbids them).
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <title>codeb</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/console.css">
    <script src="/console.js" defer></script>
    </head>
    <body>
    <header class="bar">
      <a class="brand" href="#/">codeb</a>
      <nav id="nav" aria-label="Sections"></nav>
      <div id="who" class="who"></div>
    </header>
    <main id="view" tabindex="-1" aria-live="polite"><p class="muted">Loading…</p></main>
    <dialog id="confirm" aria-labelledby="confirm-title">
      <form id="confirm-form" method="dialog">
        <h2 id="confirm-title">Confirm</h2>
        <p id="confirm-text"></p>
        <label for="confirm-input" id="confirm-label"></label>
        <input id="confirm-input" autocomplete="off" spellcheck="false">
        <div class="actions">
          <button type="button" id="confirm-cancel">Cancel</button>
          <button type="submit" id="confirm-ok" class="danger" disabled>Delete</button>
        </div>
      </form>
    </dialog>
    </body>
    </html>
    """#
}
