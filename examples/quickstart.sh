#!/usr/bin/env bash
# The README's main job: bring up dockerd and Caddy (via .ci/setup), start a codeb controller on
# loopback, apply examples/hello/codeb.yaml, show it served through Caddy, then roll out a new
# version and roll back. The controller keeps running afterwards; the last lines say how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR=${CODEB_DEMO_DIR:-/tmp/codeb-demo}
CI_DIR=${CODEB_CI_DIR:-/tmp/codeb-ci}
API_PORT=${CODEB_DEMO_API_PORT:-9101}
HTTP_PORT=${CODEB_DEMO_HTTP_PORT:-18088}
CODEB=.build/debug/codeb

step() { printf '\n==> %s\n' "$*"; }

step "services (dockerd, Caddy, test images)"
bash .ci/setup

step "build codeb"
swift build --product codeb

step "controller on 127.0.0.1:$API_PORT (state in $DEMO_DIR)"
if [[ -f $DEMO_DIR/controller.pid ]] && kill -0 "$(cat "$DEMO_DIR/controller.pid")" 2>/dev/null; then
  kill "$(cat "$DEMO_DIR/controller.pid")"; sleep 1
fi
mkdir -p "$DEMO_DIR"
# Settings come from the flags below; an empty config file keeps /etc/codeb/controller.yaml out of it.
: >"$DEMO_DIR/controller.yaml"
if [[ ! -s $DEMO_DIR/token ]]; then
  $CODEB keys create --team demo --role owner --name quickstart --state-dir "$DEMO_DIR/state" >"$DEMO_DIR/token"
  chmod 600 "$DEMO_DIR/token"
fi
nohup $CODEB controller --listen "127.0.0.1:$API_PORT" --state-dir "$DEMO_DIR/state" --config "$DEMO_DIR/controller.yaml" \
  --caddy-config "$CI_DIR/Caddyfile" --caddy-sites "$CI_DIR/sites" --caddy-admin 127.0.0.1:2019 \
  --caddy-http-port "$HTTP_PORT" >"$DEMO_DIR/controller.log" 2>&1 &
echo $! >"$DEMO_DIR/controller.pid"
export CODEB_SERVER="http://127.0.0.1:$API_PORT" CODEB_TOKEN
CODEB_TOKEN=$(cat "$DEMO_DIR/token")
for _ in $(seq 1 100); do curl -fsS "$CODEB_SERVER/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$CODEB_SERVER/healthz" >/dev/null || { tail -n 20 "$DEMO_DIR/controller.log" >&2; echo "the controller did not start" >&2; exit 1; }

served() { curl -fsS -H "Host: hello.localhost" "http://127.0.0.1:$HTTP_PORT/"; }

step "apply examples/hello/codeb.yaml (version 1)"
HELLO_VERSION=1 $CODEB apply -f examples/hello/codeb.yaml --env production --wait --timeout 2m
echo "served: $(served)"

step "a new version (HELLO_VERSION=2)"
HELLO_VERSION=2 $CODEB apply -f examples/hello/codeb.yaml --env production --wait --timeout 2m
echo "served: $(served)"

step "rollback"
$CODEB rollback hello --env production
for _ in $(seq 1 50); do [[ $(served) == *v1* ]] && break; sleep 0.1; done
echo "served: $(served)"
$CODEB status hello

step "done"
echo "controller pid $(cat "$DEMO_DIR/controller.pid"), log $DEMO_DIR/controller.log"
echo "try: CODEB_SERVER=$CODEB_SERVER CODEB_TOKEN=\$(cat $DEMO_DIR/token) $CODEB status"
echo "stop: CODEB_SERVER=$CODEB_SERVER CODEB_TOKEN=\$(cat $DEMO_DIR/token) $CODEB delete hello --env production && sleep 2 && kill \$(cat $DEMO_DIR/controller.pid)"
echo "(the demo holds ports 4100/4101; \`make test\` uses ports from 14100 up, so it may keep running)"
