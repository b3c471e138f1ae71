#!/usr/bin/env python3
"""A client generated in another language from the contract the controller serves: fetches
`GET /openapi.json` from a real controller, generates a Python client with openapi-python-client
(PyPI), and with it applies a spec, follows the project's status until the rollout is live,
reads typed answers, and gets the API's error body for a refusal. Needs the services of
.ci/setup, a debug build and openapi-python-client ($CODEB_CI_DIR/venv). `make test` runs it.
"""
import importlib
import os
import pathlib
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from codeb_host import Checks, Host, until  # noqa: E402

RUN = os.urandom(3).hex()
PROJECT = f"py{RUN}"
checks = Checks("python client")


def generate(base: str) -> pathlib.Path:
    """The client openapi-python-client makes of the served document, importable as codeb_client."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="codeb-pyclient-"))
    (work / "openapi.json").write_bytes(urllib.request.urlopen(f"{base}/openapi.json", timeout=5).read())
    tools = pathlib.Path(sys.executable).parent  # the venv's: the generator formats with its ruff
    made = subprocess.run([str(tools / "openapi-python-client"), "generate", "--path", str(work / "openapi.json"), "--meta", "none",
                           "--output-path", str(work / "codeb_client")], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{tools}:{os.environ.get('PATH', '')}"})
    generated = made.returncode == 0 and (work / "codeb_client" / "client.py").exists()
    checks.check(generated, "openapi-python-client generated a client from /openapi.json" + ("" if generated else f": {made.stderr.strip()[-300:]}"))
    return work


def main() -> int:
    host = Host(9131, 18093, "127.0.0.1:2051", [("member", "acme", "member"), ("viewer", "acme", "viewer")], "codeb-pyclient-")
    try:
        host.start()
        sys.path.insert(0, str(generate(host.base)))
        codeb_client = importlib.import_module("codeb_client")
        apply = importlib.import_module("codeb_client.api.projects.apply")
        project_status = importlib.import_module("codeb_client.api.projects.project_status")
        delete_environment = importlib.import_module("codeb_client.api.projects.delete_environment")
        models = importlib.import_module("codeb_client.models")
        member = codeb_client.AuthenticatedClient(base_url=host.base, token=host.keys["member"])
        viewer = codeb_client.AuthenticatedClient(base_url=host.base, token=host.keys["viewer"])
        spec = (f"project: {PROJECT}\nteam: acme\nimage: codeb-test/web:1\nport: 8080\n"
                "healthcheck: { path: /health, interval: 300ms, healthyThreshold: 2, deadline: 60s }\n"
                f"stopTimeout: 1s\nenvironments:\n  production: {{ domains: [{PROJECT}.test] }}\n")

        refused = apply.sync_detailed(client=viewer, body=models.ApplyRequest(spec=spec, file="codeb.yaml"))
        checks.check(refused.status_code == 403 and isinstance(refused.parsed, models.ErrorBody) and refused.parsed.error.code == "forbidden",
                     f"a viewer's apply: 403 with the API's error body ({refused.status_code})")

        applied = apply.sync_detailed(client=member, body=models.ApplyRequest(spec=spec, file="codeb.yaml"))
        result = applied.parsed
        checks.check(applied.status_code == 202 and isinstance(result, models.ApplyResult), f"apply answers 202 with an ApplyResult ({applied.status_code})")
        checks.check(result.project == PROJECT and result.environments[0].environment == "production" and result.environments[0].revision == 1,
                     "the result names the project, the environment and revision 1")

        def live():
            view = project_status.sync(client=member, project=PROJECT)
            if not isinstance(view, models.ProjectView):
                return None
            environment = view.environments[0]
            ready = [c for c in environment.status.conditions if str(getattr(c.kind, "value", c.kind)) == "Ready" and c.status]
            return view if ready else None

        view = until("the rollout live, read through the generated client", live, 90, 0.3)
        environment = view.environments[0]
        active = [slot for slot in environment.slots if str(getattr(slot.state, "value", slot.state)) == "active"]
        checks.check(len(active) == 1 and active[0].revision == 1 and environment.latest.image == "codeb-test/web:1",
                     "the status is typed: one active slot at revision 1 with its image")
        checks.check(host.served(f"{PROJECT}.test") == "codeb-test web v1", "Caddy serves it")

        gone = delete_environment.sync_detailed(client=member, project=PROJECT, environment="production")
        checks.check(gone.status_code == 202, f"delete answers 202 ({gone.status_code})")
    finally:
        host.cli("member", "delete", PROJECT, "--env", "production")
        host.stop()
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
