#!/usr/bin/env bash
# Installs codeb on this host (or into a scratch root with --root), or removes it again.
#
#   scripts/install.sh [--root DIR] [--binary PATH] [--team NAME]   install
#   scripts/install.sh [--root DIR] --uninstall                      remove; keep /etc/codeb and the state
#
# Installs: /usr/local/bin/codeb (a release build unless --binary is given), the unit
# /etc/systemd/system/codeb-controller.service, /etc/codeb/controller.yaml and controller.env
# (only if missing, never overwritten), the state directory /var/lib/codeb (0700, codeb), the
# Caddy sites directory /etc/caddy/sites (codeb:caddy, 2750), the system user codeb (in the
# docker group), and once: an owner API key for --team (default ops) in /etc/codeb/owner.key (0600).
# Run as root. With --root the files go under DIR and no user is created (for tests and images);
# an existing codeb user still owns what it should.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=/
BINARY=
TEAM=ops
UNINSTALL=0
while (( $# )); do
  case $1 in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --binary) BINARY=${2:?--binary needs a path}; shift 2 ;;
    --team) TEAM=${2:?--team needs a name}; shift 2 ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
ROOT=${ROOT%/}
R=$ROOT   # prefix for every path below; empty for the real root

log() { printf '[install] %s\n' "$*"; }
die() { printf '[install] FAILED: %s\n' "$*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "run as root (it creates a system user and root-owned files)"
real_root() { [[ -z $R ]]; }
systemd_running() { real_root && [[ -d /run/systemd/system ]]; }

BIN=$R/usr/local/bin/codeb
UNIT=$R/etc/systemd/system/codeb-controller.service
MANIFEST=$R/etc/codeb/.installed

if (( UNINSTALL )); then
  if systemd_running; then systemctl disable --now codeb-controller.service 2>/dev/null || true; fi
  if [[ -f $MANIFEST ]]; then
    while read -r path; do [[ -n $path ]] && rm -f "$R$path" && log "removed $path"; done <"$MANIFEST"
    rm -f "$MANIFEST"
  else
    rm -f "$BIN" "$UNIT"
  fi
  if systemd_running; then systemctl daemon-reload; fi
  log "kept the configuration in $R/etc/codeb and the state in $R/var/lib/codeb (remove them by hand to forget everything)"
  exit 0
fi

# --- binary ---------------------------------------------------------------------------------
if [[ -z $BINARY ]]; then
  log "building codeb (release)"
  swift build -c release --product codeb >/dev/null
  BINARY=.build/release/codeb
fi
[[ -x $BINARY ]] || die "no executable at $BINARY"
install -D -m 0755 "$BINARY" "$BIN"
install -D -m 0644 systemd/codeb-controller.service "$UNIT"
mkdir -p "$R/etc/codeb"
printf '%s\n' /usr/local/bin/codeb /etc/systemd/system/codeb-controller.service >"$MANIFEST"
log "installed /usr/local/bin/codeb ($("$BIN" version 2>/dev/null | head -n 1)) and codeb-controller.service"

# --- user -----------------------------------------------------------------------------------
OWNER=root
if real_root; then
  if ! getent passwd codeb >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/codeb --no-create-home --shell /usr/sbin/nologin codeb
    log "created the system user codeb"
  fi
  if getent group docker >/dev/null; then usermod -aG docker codeb; else log "no docker group yet: install docker.io, then run this again"; fi
  OWNER=codeb
elif getent passwd codeb >/dev/null; then
  OWNER=codeb
  log "scratch root $ROOT: files owned by the existing user codeb"
else
  log "scratch root $ROOT: no user codeb here; files stay owned by root"
fi

# --- configuration (never overwritten) ------------------------------------------------------
if [[ ! -f $R/etc/codeb/controller.yaml ]]; then
  install -m 0640 examples/controller.yaml "$R/etc/codeb/controller.yaml"
  log "wrote /etc/codeb/controller.yaml (edit it; flags and CODEB_* variables override it)"
fi
if [[ ! -f $R/etc/codeb/controller.env ]]; then
  printf '# Secrets for the controller, as CODEB_NAME=value (e.g. CODEB_DATABASE_URL=postgres://…).\n' >"$R/etc/codeb/controller.env"
  chmod 0640 "$R/etc/codeb/controller.env"
fi
chgrp "$OWNER" "$R/etc/codeb/controller.yaml" "$R/etc/codeb/controller.env" 2>/dev/null || true

# --- the secret key (once) ------------------------------------------------------------------
# 32 random bytes as `id:base64` (id: the first 12 hex digits of their SHA-256), the format the
# controller reads. /etc/codeb is the controller's group's, so `codeb secrets rotate-key` can
# replace the file atomically.
if [[ ! -s $R/etc/codeb/secret.key ]]; then
  (
    umask 077
    key=$(head -c 32 /dev/urandom | base64 -w0)
    id=$(printf '%s' "$key" | base64 -d | sha256sum | cut -c1-12)
    printf '%s:%s\n' "$id" "$key" >"$R/etc/codeb/secret.key.tmp"
  )
  mv "$R/etc/codeb/secret.key.tmp" "$R/etc/codeb/secret.key"
  log "created the secret key /etc/codeb/secret.key (0600); back it up apart from the state"
fi
chown "$OWNER:$OWNER" "$R/etc/codeb/secret.key"
if [[ $OWNER == codeb ]]; then chgrp codeb "$R/etc/codeb" && chmod 0770 "$R/etc/codeb"; fi

# --- directories ----------------------------------------------------------------------------
install -d -m 0700 "$R/var/lib/codeb"
install -d -m 2750 "$R/etc/caddy/sites"
chown "$OWNER:$OWNER" "$R/var/lib/codeb"
if getent group caddy >/dev/null; then chown "$OWNER:caddy" "$R/etc/caddy/sites"; else chown "$OWNER" "$R/etc/caddy/sites"; fi

# --- the first key (once) -------------------------------------------------------------------
if [[ ! -s $R/etc/codeb/owner.key ]]; then
  (umask 077 && "$BIN" keys create --team "$TEAM" --role owner --name install --state-dir "$R/var/lib/codeb" >"$R/etc/codeb/owner.key.tmp")
  mv "$R/etc/codeb/owner.key.tmp" "$R/etc/codeb/owner.key"
  chown -R "$OWNER:$OWNER" "$R/var/lib/codeb"
  log "created an owner key for team $TEAM in /etc/codeb/owner.key (0600); keep it safe"
fi

if systemd_running; then
  systemctl daemon-reload
  log "next: make /etc/caddy/Caddyfile import /etc/caddy/sites/*.caddy, then: systemctl enable --now codeb-controller"
else
  log "done (no systemd running here: start it as the unit's ExecStart does)"
fi
