extension ConsoleAssets {
    /// Light and dark from the system's preference; one column on a phone.
    static let css = #"""
    :root { --bg: #fafafa; --fg: #1b1f24; --muted: #5b6470; --card: #fff; --line: #d8dde3; --accent: #0b63ce;
            --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --focus: #0b63ce; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --card: #161b22; --line: #30363d; --accent: #4493f8;
              --ok: #3fb950; --warn: #d29922; --bad: #f85149; --focus: #4493f8; }
    }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font-size: 15px; line-height: 1.45; }
    a { color: var(--accent); }
    :focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
    .bar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); }
    .brand { font-weight: 700; text-decoration: none; color: var(--fg); font-size: 1.1rem; }
    nav { display: flex; gap: .8rem; flex: 1; }
    .who { display: flex; gap: .5rem; align-items: center; color: var(--muted); }
    main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
    h1 { font-size: 1.35rem; margin: .2rem 0 1rem; } h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
    .muted { color: var(--muted); }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); gap: .8rem; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
    .card h3 { margin: 0 0 .4rem; font-size: 1rem; display: flex; gap: .5rem; align-items: center; }
    .env { display: flex; gap: .6rem; align-items: baseline; padding: .35rem 0; border-top: 1px solid var(--line); flex-wrap: wrap; }
    .env:first-of-type { border-top: 0; }
    .light { display: inline-block; width: .75rem; height: .75rem; border-radius: 50%; background: var(--muted); flex: none; }
    .light.ok { background: var(--ok); } .light.progress { background: var(--warn); } .light.bad { background: var(--bad); }
    .badge { font-size: .8rem; padding: .05rem .45rem; border-radius: 999px; border: 1px solid var(--line); color: var(--muted); }
    .badge.active { color: var(--ok); border-color: var(--ok); } .badge.failed { color: var(--bad); border-color: var(--bad); }
    .badge.deployed { color: var(--warn); border-color: var(--warn); }
    code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .88rem; }
    table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; font-size: .85rem; }
    .scroll { overflow-x: auto; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .4rem 0; } dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
    .rollout { border-left: 4px solid var(--warn); } .rollout.failed { border-left-color: var(--bad); } .rollout.live { border-left-color: var(--ok); }
    button { font: inherit; padding: .35rem .9rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
    button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
    button.danger { border-color: var(--bad); color: var(--bad); } button:disabled { opacity: .5; cursor: default; }
    .actions { display: flex; gap: .5rem; flex-wrap: wrap; margin: .6rem 0; }
    input { font: inherit; padding: .4rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); width: 100%; }
    form.signin { max-width: 30rem; margin: 3rem auto; display: grid; gap: .6rem; }
    .error { color: var(--bad); } .notice { padding: .5rem .8rem; border: 1px solid var(--bad); border-radius: 6px; color: var(--bad); }
    pre.logs { background: #0d1117; color: #e6edf3; padding: .7rem; border-radius: 6px; max-height: 24rem; overflow: auto; font-size: .82rem; margin: 0; white-space: pre-wrap; word-break: break-all; }
    pre.logs .stderr { color: #ffa198; }
    dialog { border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--fg); max-width: 28rem; width: calc(100% - 2rem); }
    dialog::backdrop { background: rgb(0 0 0 / 45%); }
    @media (max-width: 40rem) { main { padding: .6rem; } .grid { grid-template-columns: 1fr; } th:nth-child(n+4), td:nth-child(n+4) { display: none; } }
    """#
}
