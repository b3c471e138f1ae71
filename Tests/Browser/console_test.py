#!/usr/bin/env python3
"""The web console in a real browser: Playwright driving Debian's chromium against a real
controller, dockerd and Caddy (issue 21).

Signs in (a wrong key is refused), sees a project live, applies a new version from the CLI and
watches the page move through health n/m to live without a reload, rolls back with a click and
gets the previous version through Caddy; a viewer sees no action controls; another team's
project is not listed; no page logs a console error or a CSP violation. Screenshots of every
page at desktop and phone width go to $CODEB_TEST_OUTPUT (default .build/test-output/console).

Needs the services of .ci/setup, a debug build, chromium and the playwright package (.ci/setup
installs both in $CODEB_CI_DIR/venv). `make test` runs it after the Swift suites.
"""
import threading
import time
import os
import pathlib
import sys

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "Python"))
from codeb_host import ROOT, Checks, Host, until  # noqa: E402

OUT = pathlib.Path(os.environ.get("CODEB_TEST_OUTPUT", ROOT / ".build/test-output/console"))
CHROMIUM = os.environ.get("CODEB_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
# Names of this run only: other environments (a `make run` demo, other tests) share the engine.
RUN = os.urandom(3).hex()
PROJECT, RIVAL, DATA = f"shop{RUN}", f"rival{RUN}", f"data{RUN}"
DESKTOP = {"width": 1280, "height": 800}
# Sites over HTTPS from Caddy's own CA (its root trusted by the controller): the page shows
# each domain's certificate.
HOST = Host(9121, 18091, "127.0.0.1:2049", [("member", "acme", "member"), ("viewer", "acme", "viewer"), ("admin", "acme", "admin"), ("rival", "other", "member")],
            "codeb-console-", https_port=18092)
BASE = HOST.base
checks = Checks("console")
check = checks.check


def served() -> str:
    return HOST.served(f"{PROJECT}.test")


# The web server, and a line every 200 ms on stdout for the logs ($$ is a literal $ in a spec).
CHATTY = ('command: ["/usr/bin/busybox", "sh", "-c", "i=0; while true; do echo tick$$i; i=$$((i+1)); '
          '/usr/bin/busybox sleep 0.2; done & exec /usr/bin/busybox httpd -f -p 8080 -h /www"]\n')


def spec(project: str, team: str, version: int, bake: str | None = None) -> str:
    return (f"project: {project}\nteam: {team}\nimage: codeb-test/web:{version}\nport: 8080\n{CHATTY}"
            "healthcheck: { path: /health, interval: 400ms, timeout: 1s, healthyThreshold: 3, deadline: 60s }\n"
            + (f"bake: {bake}\n" if bake else "")
            + f"stopTimeout: 1s\nenvironments:\n  production: {{ domains: [{project}.test] }}\n")


def data_spec() -> str:
    """A project with a backing service (Debian's redis-server, the test image) and its volume."""
    return (f"project: {DATA}\nteam: acme\nimage: codeb-test/web:1\nport: 8080\n"
            "healthcheck: { path: /health, interval: 400ms, timeout: 1s, healthyThreshold: 2, deadline: 60s }\n"
            "services:\n  cache: { image: codeb-test/redis:7, port: 6379, volume: /data }\n"
            f"stopTimeout: 1s\nenvironments:\n  production: {{ domains: [{DATA}.test] }}\n")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    cli, keys = HOST.cli, HOST.keys
    try:
        HOST.start()
        first = cli("member", "apply", "-f", "-", "--wait", "--timeout", "90s", stdin=spec(PROJECT, "acme", 1))
        check(first.returncode == 0, f"shop v1 applied from the CLI ({first.stdout.strip().splitlines()[-1:] or first.stderr})")
        rival = cli("rival", "apply", "-f", "-", "--wait", "--timeout", "90s", stdin=spec(RIVAL, "other", 1))
        check(rival.returncode == 0, "another team's project applied")
        data = cli("member", "apply", "-f", "-", "--wait", "--timeout", "90s", stdin=data_spec())
        check(data.returncode == 0, "a project with a Redis service applied")
        run_browser(cli, keys)
    finally:
        for project, key in [(PROJECT, "member"), (RIVAL, "rival")]:
            cli(key, "delete", project, "--env", "production")
        cli("member", "delete", DATA, "--env", "production", "--purge-data")
        HOST.stop(OUT)
    return checks.summary()


def run_browser(cli, keys) -> None:
    problems: list[str] = []
    # Failed responses are counted by URL and by the step they came in (the console's own
    # "Failed to load resource" lines only repeat them, and may arrive late): a 401 is expected
    # only while a wrong key is tried, a 404 only where another team's environment is asked for.
    step = {"name": "start"}
    expected = {("refused", 401), ("rival", 404)}
    page_problem = lambda text: problems.append(text)  # noqa: E731
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.on("console", lambda message: page_problem(f"{message.type}: {message.text}")
                if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda error: page_problem(f"pageerror: {error}"))
        page.on("response", lambda response: page_problem(f"HTTP {response.status} {response.request.method} {response.url} while {step['name']}")
                if response.status >= 400 and (step["name"], response.status) not in expected else None)

        def shoot(name: str) -> None:
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=str(OUT / f"{name}-desktop.png"), full_page=True)
            page.set_viewport_size(PHONE)
            page.screenshot(path=str(OUT / f"{name}-phone.png"), full_page=True)
            page.set_viewport_size(DESKTOP)

        def sign_in(key: str) -> None:
            page.goto(f"{BASE}/")
            page.evaluate("sessionStorage.clear()")
            page.reload()
            page.wait_for_selector("#key")
            page.fill("#key", key)
            page.click("#signin button[type=submit]")

        # A wrong key is refused, and nothing of the console shows.
        page.goto(f"{BASE}/")
        shoot("signin")
        step["name"] = "refused"
        sign_in("codeb_acme_member_" + "0" * 40)
        page.wait_for_selector("#signin-error")
        check("refused" in page.inner_text("#signin-error"), "a wrong key is refused")
        check(page.query_selector("#projects") is None, "no project shows without a valid key")
        step["name"] = "member"

        # The member's team, signed in by keyboard alone: its project is listed, live; another
        # team's is not.
        page.evaluate("sessionStorage.clear()")
        page.reload()
        page.wait_for_selector("#key")
        check(page.evaluate("document.activeElement.id") == "key", "the key field has the focus")
        page.keyboard.type(keys["member"])
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#projects [data-project={PROJECT}]")
        page.keyboard.press("Tab")
        check(page.evaluate("document.activeElement.tagName") == "A", "Tab reaches the links")
        check(page.query_selector(f"[data-project={RIVAL}]") is None, "another team's project is not listed")
        check("r1" in page.inner_text(f"[data-project={PROJECT}] .env"), "the project shows its live revision")
        check(page.query_selector(f"[data-project={PROJECT}] .light.ok") is not None, "a green light for a ready environment")
        shoot("projects")

        # A new version from the CLI: the page moves through health n/m to live, no reload.
        page.click(f"[data-project={PROJECT}] a[href='#/p/{PROJECT}/production']")
        page.wait_for_selector("#rollout[data-phase=live]")
        loaded = page.evaluate("window.codebConsole.loadedAt")
        result: dict = {}
        applying = threading.Thread(target=lambda: result.update(done=cli("member", "apply", "-f", "-", "--wait", "--timeout", "90s", stdin=spec(PROJECT, "acme", 2)), at=time.monotonic()))
        applying.start()
        phases: list[str] = []
        live_at = None
        end = time.monotonic() + 90
        while time.monotonic() < end:
            phase = page.evaluate("(() => { const r = document.getElementById('rollout'); return r ? r.dataset.phase + '|' + r.innerText : '' })()")
            if phase and (not phases or phases[-1] != phase):
                phases.append(phase)
            if phase.startswith("live|") and "revision 2" in phase:
                live_at = time.monotonic()
                break
            time.sleep(0.03)
        applying.join(timeout=90)
        done = result.get("done")
        check(done is not None and done.returncode == 0, "v2 applied from the CLI went live")
        check(any(p.startswith("health|") and "health " in p for p in phases), f"the page showed health n/m while rolling out ({[p.split(chr(10))[0] for p in phases]})")
        check(live_at is not None, "the page showed revision 2 live")
        if live_at is not None and "at" in result:
            lag = live_at - result["at"]
            check(lag <= 1.0, f"live on the page within 1 s of the CLI seeing it live ({lag:+.2f} s)")
        check(page.evaluate("window.codebConsole.loadedAt") == loaded, "without reloading the page")
        previews = page.eval_on_selector_all("a.preview", "links => links.map(a => a.textContent)")
        check(f"green-production-{PROJECT}.preview.test" in previews, f"the live slot's preview URL is shown ({previews})")
        # The certificate Caddy serves for the domain, once a pass has read it: Caddy's own CA
        # issues for 12 hours, so fewer than 14 days are left and the row is red.
        row = f"#certificates tr[data-domain='{PROJECT}.test']"
        def certificate_shown() -> bool:
            page.reload()
            page.wait_for_selector("#slots")
            return page.query_selector(row) is not None
        until("the domain's certificate on the page", certificate_shown, 30, every=1.0)
        text = page.inner_text(row)
        check("Caddy Local Authority" in text and "day" in text, f"the certificate shows its issuer and days left ({text!r})")
        check("error" in (page.get_attribute(row, "class") or ""), "under 14 days left is red")
        page.emulate_media(color_scheme="dark")
        page.screenshot(path=str(OUT / "environment-dark-desktop.png"), full_page=True)
        page.emulate_media(color_scheme="light")
        shoot("environment")

        # The live slot's logs, followed: new lines arrive while the page stays.
        page.click("#follow")
        page.wait_for_selector("#logs div.stdout >> text=/tick[0-9]+/")
        first = page.eval_on_selector_all("#logs div", "lines => lines.length")
        until("more followed log lines", lambda: page.eval_on_selector_all("#logs div", "lines => lines.length") > first + 2, 10)
        check(True, "the logs follow: new lines arrive")
        page.click("#follow")

        # Rollback with a click: the previous version is served through Caddy.
        page.wait_for_selector("[data-action=rollback]")
        page.click("[data-action=rollback]")
        try:
            until("v1 through Caddy after the rollback", lambda: served() == "codeb-test web v1", 30)
            check(True, "rollback clicked: v1 served through Caddy")
        except TimeoutError:
            check(False, f"rollback clicked: v1 served through Caddy (got {served()})")
        page.wait_for_selector("#history >> text=rollback")
        check(True, "the rollback shows in the history without a reload")

        # Users on the site, then v3, which fails a third of them: its bake sends traffic back to
        # v1 by itself; the page charts the traffic with the switches and says why in the history.
        users = {"on": True, "answers": 0}
        def browse() -> None:
            while users["on"]:
                HOST.served(f"{PROJECT}.test", "/cgi-bin/app")
                users["answers"] += 1
        browsing = threading.Thread(target=browse)
        browsing.start()
        try:
            baked = cli("member", "apply", "-f", "-", "--wait", "--timeout", "90s", stdin=spec(PROJECT, "acme", 3, "{ for: 10m, max-error-rate: 2%, min-requests: 30 }"))
        finally:
            users["on"] = False
            browsing.join(timeout=10)
        check(baked.returncode == 6 and "reverted to revision" in baked.stderr, f"v3 reverted by its bake: apply --wait exits 6 saying why ({baked.returncode}: {baked.stderr.strip()})")
        page.reload()
        page.wait_for_selector("#history tr.reverted")
        check("5xx" in page.inner_text("#history tr.reverted"), "the history says why the revision was reverted")
        page.wait_for_selector("#traffic figure.chart rect.errors")
        check(True, "the traffic chart shows the server errors v3 answered")
        check(page.query_selector("#traffic .switch") is not None, "the chart marks when a slot took traffic")
        # The page re-renders as events arrive: a chart replaced mid-shot is shot again.
        for attempt in range(5):
            try:
                page.locator("#traffic").screenshot(path=str(OUT / "traffic-chart.png"), timeout=5000)
                break
            except Exception:  # noqa: BLE001 — detached by a re-render; the next one is stable
                if attempt == 4:
                    raise
                page.wait_for_timeout(200)
        shoot("reverted")

        # Maintenance from the console: Caddy answers 503 with the message; ended, v1 again.
        page.click("[data-action=maintenance-on]")
        page.fill("#confirm-input", "Back at 17:00: upgrading the database.")
        page.click("#confirm-ok")
        page.wait_for_selector("#maintenance")
        try:
            until("503 through Caddy in maintenance", lambda: "503" in served(), 30)
            check(True, "maintenance clicked: Caddy answers 503")
        except TimeoutError:
            check(False, f"maintenance clicked: Caddy answers 503 (got {served()})")
        check("upgrading the database" in page.inner_text("#maintenance"), "the page says the environment is in maintenance, with its message")
        shoot("maintenance")
        page.click("[data-action=maintenance-off]")
        try:
            until("v1 through Caddy after maintenance", lambda: served() == "codeb-test web v1", 30)
            check(True, "maintenance ended: v1 served again")
        except TimeoutError:
            check(False, f"maintenance ended: v1 served again (got {served()})")

        # Backing services: shown with their state and volume; a backup taken with a click; a
        # delete that would remove their data asks for a typed `purge …`.
        page.goto(f"{BASE}/#/p/{DATA}/production")
        page.wait_for_selector("#services [data-service=cache]")
        row = lambda: page.inner_text("#services [data-service=cache]")  # noqa: E731
        check("running" in row() and "codeb-test/redis:7" in row() and "none" in row(), f"the service shows running, no backup yet ({row()})")
        page.click("#services [data-service=cache] [data-action=backup]")
        try:
            until("the backup listed", lambda: "1 kept" in row(), 30, every=0.2)
            check(True, "Back up now: the service's row shows its backup")
        except TimeoutError:
            check(False, f"Back up now: the service's row shows its backup ({row()})")
        page.click("[data-action=delete-purge]")
        page.wait_for_selector("#confirm[open]")
        page.fill("#confirm-input", f"{DATA}/production")
        check(page.is_disabled("#confirm-ok"), "deleting with the data wants `purge …` typed, not just the name")
        page.click("#confirm-cancel")
        shoot("services")

        # The secrets page (names only), and the admin's keys and audit log.
        page.goto(f"{BASE}/#/p/{PROJECT}/production/secrets")
        page.wait_for_selector("#secrets")
        shoot("secrets")
        step["name"] = "admin"
        sign_in(keys["admin"])
        page.wait_for_selector("#projects")
        page.goto(f"{BASE}/#/keys")
        page.wait_for_selector("#keys")
        check(keys["admin"] not in page.content(), "the keys page shows no key")
        shoot("keys")
        page.goto(f"{BASE}/#/audit")
        page.wait_for_selector("#audit >> text=rollback")
        check(True, "the audit log shows the rollback clicked in the console")
        shoot("audit")

        # A viewer reads and nothing more: no action controls at all, no logs.
        step["name"] = "viewer"
        sign_in(keys["viewer"])
        page.wait_for_selector("#projects")
        page.goto(f"{BASE}/#/p/{PROJECT}/production")
        page.wait_for_selector("#slots")
        check(page.query_selector_all("[data-action]") == [], "a viewer sees no action controls")
        check(page.query_selector("#logs") is None, "a viewer sees no logs")
        check(page.query_selector("a[href='#/keys']") is None, "a viewer has no keys page")
        shoot("viewer")

        # Another team's key: the project is neither listed nor reachable by its URL.
        step["name"] = "other team"
        sign_in(keys["rival"])
        page.wait_for_selector("#projects")
        check(page.query_selector(f"[data-project={PROJECT}]") is None, "another team does not see the project")
        step["name"] = "rival"
        page.goto(f"{BASE}/#/p/{PROJECT}/production")
        page.wait_for_selector(".notice")
        check("not" in page.inner_text(".notice").lower(), "another team's environment URL answers not found")
        page.wait_for_timeout(300)   # the history's 404, asked at the same time
        step["name"] = "sign-out"

        page.click("#signout")
        page.wait_for_selector("#key")
        check(page.evaluate("sessionStorage.getItem('codeb.key')") is None, "signing out clears the key")
        check(problems == [], f"no console error, no CSP violation and no failed request on any page ({problems})")
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
