#!/usr/bin/env python3
"""Console benchmark (issue 21): the projects page's initial load with 100 environments in
Debian's chromium (Playwright) — bytes transferred and time to first render (from navigation
start to the projects rendered), median of 5 cold loads — against a floor measured in the same
run: the same four requests (page, stylesheet, script, /v1/projects) made without a browser.

`make bench` runs it with the release build; CODEB names another binary.
"""
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[2]
CODEB = os.environ.get("CODEB", str(ROOT / ".build/release/codeb"))
CHROMIUM = os.environ.get("CODEB_CHROMIUM", "/usr/bin/chromium")
PORT = 9131
BASE = f"http://127.0.0.1:{PORT}"
RUNS = 5
PROJECTS = 50   # × production and staging = 100 environments


def request(path: str, key: str | None = None, body: bytes | None = None) -> bytes:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    with urllib.request.urlopen(urllib.request.Request(BASE + path, data=body, headers=headers), timeout=30) as response:
        return response.read()


def main() -> None:
    state = pathlib.Path(tempfile.mkdtemp(prefix="codeb-console-bench-"))
    state.chmod(0o700)
    key = subprocess.run([CODEB, "keys", "create", "--team", "bench", "--role", "member", "--state-dir", str(state)],
                         check=True, capture_output=True, text=True).stdout.strip()
    (state / "sites").mkdir()
    (state / "Caddyfile").write_text(f"import {state}/sites/*.caddy\n")
    (state / "controller.yaml").write_text("# defaults\n")
    controller = subprocess.Popen([CODEB, "controller", "--listen", f"127.0.0.1:{PORT}", "--state-dir", str(state), "--config", str(state / "controller.yaml"),
                                   "--caddy-config", str(state / "Caddyfile"), "--caddy-sites", str(state / "sites"),
                                   "--secret-key-file", str(state / "secret.key"), "--ports", "production=24100-24299,staging=24300-24499,preview=24500-24699"],
                                  stdout=open(state / "controller.log", "w"), stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                request("/healthz")
                break
            except Exception:  # noqa: BLE001 — not up yet
                time.sleep(0.1)
        # Placed on another node: environments the page lists, no containers on this host.
        for index in range(PROJECTS):
            spec = (f"project: bench{index:03d}\nteam: bench\nimage: codeb-test/web:1\nport: 8080\nnodes: [elsewhere]\n"
                    f"environments:\n  production: {{ domains: [bench{index:03d}.test] }}\n  staging: {{}}\n")
            request("/v1/apply", key, json.dumps({"spec": spec}).encode())
        environments = sum(len(p["environments"]) for p in json.loads(request("/v1/projects", key)))

        floors = []
        for _ in range(RUNS):
            started = time.perf_counter()
            sizes = [len(request(path)) for path in ("/", "/console.css", "/console.js")] + [len(request("/v1/projects", key))]
            floors.append((time.perf_counter() - started) * 1000)

        renders, transferred = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for _ in range(RUNS):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_init_script(f"sessionStorage.setItem('codeb.key', {json.dumps(key)})")
                page = context.new_page()
                bodies: dict[str, int] = {}
                page.on("requestfinished", lambda r: bodies.__setitem__(r.url, r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
                page.goto(f"{BASE}/#/")
                page.wait_for_function("window.codebConsole && window.codebConsole.firstRenderAt")
                renders.append(page.evaluate("window.codebConsole.firstRenderAt"))
                cards = page.eval_on_selector_all("#projects [data-project]", "nodes => nodes.length")
                assert cards == PROJECTS, f"{cards} projects rendered"
                page.wait_for_timeout(200)
                transferred.append(sum(size for url, size in bodies.items() if "/v1/events" not in url))
                context.close()
            browser.close()
        renders.sort()
        floor = statistics.median(floors)
        median = statistics.median(renders)
        # A p95 of fewer than 20 samples is only the maximum: say so.
        tail = ("p95", renders[min(len(renders) - 1, round(0.95 * (len(renders) - 1)))]) if len(renders) >= 20 else ("max", renders[-1])
        print(f"console: projects page, {environments} environments in {PROJECTS} projects, cold loads in chromium (n={RUNS})")
        print(f"  time to first render: median {median:.1f} ms, {tail[0]} {tail[1]:.1f} ms, n={len(renders)}")
        print(f"  floor (page, css, script, /v1/projects fetched without a browser): median {floor:.1f} ms; ratio {median / floor:.1f}")
        print(f"  bytes transferred: median {statistics.median(transferred):,.0f} (bodies: page {sizes[0]:,}, css {sizes[1]:,}, script {sizes[2]:,}, projects JSON {sizes[3]:,}; plus headers)")
    finally:
        controller.terminate()
        controller.wait(timeout=30)


if __name__ == "__main__":
    main()
