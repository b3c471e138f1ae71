"""A real codeb controller with its own Caddy, on loopback, for the Python tests (the console in
chromium, a client generated from the served contract). Needs the services of .ci/setup and a
debug build."""
import json
import os
import pathlib
import shutil
import subprocess
import socket
import ssl
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
CODEB = str(ROOT / ".build/debug/codeb")
PORTS = "production=14100-14499,staging=14500-14999,preview=15000-15499"
# A Caddy ≥ 2.8 (route files, and the access log traffic per slot is read from) when .ci/setup
# unpacked one, else Debian's.
CADDY = os.environ.get("CODEB_CADDY_MODERN", "/tmp/codeb-ci/caddy-2.11.7/caddy")
if not os.access(CADDY, os.X_OK):
    CADDY = "caddy"


def until(what: str, probe, deadline: float = 20.0, every: float = 0.05):
    """`probe()`'s first truthy answer, polled until `deadline` seconds have passed."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for {what}")


class Host:
    """Keys made with the local bootstrap (`codeb keys create --state-dir`), then Caddy and the
    controller started; `stop()` ends both and keeps the controller's log in `out`."""

    def __init__(self, api_port: int, http_port: int, admin: str, keys: list[tuple[str, str, str]], prefix: str, https_port: int | None = None):
        """With `https_port`, Caddy serves every site over HTTPS from its own CA (`local_certs`):
        the controller checks what it serves against that root (`--tls-ca-file`), and so does
        `served()`. Without, sites are plain HTTP on `http_port`."""
        self.base = f"http://127.0.0.1:{api_port}"
        self.api_port, self.http_port, self.https_port, self.admin = api_port, http_port, https_port, admin
        self.root = None
        self.state = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
        self.state.chmod(0o700)
        self.keys = {}
        for name, team, role in keys:
            self.keys[name] = subprocess.run([CODEB, "keys", "create", "--team", team, "--role", role, "--name", f"{prefix}{name}",
                                              "--state-dir", str(self.state)], check=True, capture_output=True, text=True).stdout.strip()
        self.caddy = self.controller = None

    def start(self) -> None:
        state = self.state
        (state / "sites").mkdir()
        listeners = (f"\thttp_port {self.http_port}\n\thttps_port {self.https_port}\n\tdefault_bind 127.0.0.1\n\tskip_install_trust\n\tlocal_certs\n"
                     if self.https_port else "\tauto_https off\n")
        (state / "Caddyfile").write_text(f"{{\n\tadmin {self.admin}\n{listeners}\tstorage file_system {state}/caddy-data\n}}\nimport {state}/sites/*.caddy\n")
        (state / "controller.yaml").write_text("# defaults\n")
        self.caddy = subprocess.Popen([CADDY, "run", "--config", str(state / "Caddyfile"), "--adapter", "caddyfile"], cwd=state,
                                      env={**os.environ, "HOME": str(state)}, stdout=open(state / "caddy.log", "w"), stderr=subprocess.STDOUT)
        tls = []
        if self.https_port:
            # Caddy's own root, as an intranet operator would hand it to codeb and to browsers.
            self.root = state / "caddy-root.pem"
            self.root.write_text(until("Caddy's local CA", self.local_root, 30))
            tls = ["--caddy-https-port", str(self.https_port), "--tls-ca-file", str(self.root)]
        self.controller = subprocess.Popen(
            [CODEB, "controller", "--listen", f"127.0.0.1:{self.api_port}", "--state-dir", str(state), "--config", str(state / "controller.yaml"),
             "--caddy-config", str(state / "Caddyfile"), "--caddy-sites", str(state / "sites"), "--caddy-admin", self.admin,
             "--caddy-http-port", str(self.http_port), "--secret-key-file", str(state / "secret.key"), "--preview-domain", "preview.test",
             "--ports", PORTS, "--access-log-dir", str(state / "access-logs"), *tls],
            stdout=open(state / "controller.log", "w"), stderr=subprocess.STDOUT)
        until("the controller", self.reachable, 60)

    def local_root(self) -> str | None:
        try:
            with urllib.request.urlopen(f"http://{self.admin}/pki/ca/local", timeout=1) as response:
                return json.load(response).get("root_certificate")
        except Exception:  # noqa: BLE001 — any failure is "not yet"
            return None

    def reachable(self) -> bool:
        try:
            return urllib.request.urlopen(f"{self.base}/healthz", timeout=1).status == 200
        except Exception:  # noqa: BLE001 — any failure is "not yet"
            return False

    def cli(self, key: str, *arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([CODEB, *arguments], input=stdin, capture_output=True, text=True,
                              env={**os.environ, "CODEB_SERVER": self.base, "CODEB_TOKEN": self.keys[key]})

    def served(self, hostname: str, path: str = "/") -> str:
        """What Caddy answers for `hostname`, or why it answers nothing; over HTTPS the
        certificate must verify against Caddy's root."""
        if self.https_port:
            try:
                context = ssl.create_default_context(cafile=str(self.root))
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=2) as raw, \
                        context.wrap_socket(raw, server_hostname=hostname) as connection:
                    connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {hostname}\r\nConnection: close\r\n\r\n".encode())
                    answer = b""
                    while chunk := connection.recv(65536):
                        answer += chunk
                head, _, body = answer.partition(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    return f"not served: {head.splitlines()[0].decode() if head else 'no answer'}"
                return body.decode().strip()
            except Exception as error:  # noqa: BLE001 — any failure is "not served"
                return f"not served: {error}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", headers={"Host": hostname})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.read().decode().strip()
        except Exception as error:  # noqa: BLE001 — any failure is "not served"
            return f"not served: {error}"

    def stop(self, out: pathlib.Path | None = None) -> None:
        if self.controller:
            self.controller.terminate()
            try:
                self.controller.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.controller.kill()
        if self.caddy:
            self.caddy.terminate()
            self.caddy.wait(timeout=10)
        if out:
            shutil.copy(self.state / "controller.log", out / "controller.log")


class Checks:
    """`check(condition, what)` lines, counted; `summary()` prints them and is the exit code."""

    def __init__(self, name: str):
        self.name, self.passed, self.failures = name, 0, []

    def check(self, condition: bool, what: str) -> None:
        if condition:
            self.passed += 1
            print(f"ok    {what}")
        else:
            self.failures.append(what)
            print(f"FAIL  {what}")

    def summary(self) -> int:
        print(f"\n{self.name}: {self.passed} passed, {len(self.failures)} failed")
        for failure in self.failures:
            print(f"  failed: {failure}")
        return 1 if self.failures else 0
