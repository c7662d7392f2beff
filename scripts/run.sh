#!/usr/bin/env bash
# Builds reelsync and serves it on the LAN.
#
#   scripts/run.sh [--data-dir DIR] [--external PATH] [--addr HOST:PORT]
#
# Each option can also come from the environment: REELSYNC_DATA_DIR (default ./data),
# REELSYNC_EXTERNAL, REELSYNC_ADDR (default 0.0.0.0:3000, i.e. the whole LAN).
# With no warehouse file configured (neither --external nor a saved setting), a demo
# one is created at DATA_DIR/demo-warehouse.sqlite3. With no user at all, a super
# admin `admin` is created with REELSYNC_ADMIN_PASSWORD, or a random password that
# is printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '\033[1m[run]\033[0m %s\n' "$*"; }
usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) REELSYNC_DATA_DIR=${2:?--data-dir needs a value}; shift 2 ;;
    --data-dir=*) REELSYNC_DATA_DIR=${1#*=}; shift ;;
    --external) REELSYNC_EXTERNAL=${2:?--external needs a value}; shift 2 ;;
    --external=*) REELSYNC_EXTERNAL=${1#*=}; shift ;;
    --addr) REELSYNC_ADDR=${2:?--addr needs a value}; shift 2 ;;
    --addr=*) REELSYNC_ADDR=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

# A value given as an option reaches the server too, not only this script.
[ -z "${REELSYNC_EXTERNAL:-}" ] || export REELSYNC_EXTERNAL
[ -z "${REELSYNC_ADDR:-}" ] || export REELSYNC_ADDR

# REELSYNC_SKIP_BUILD=1 serves the release build already in target/ (the tests
# that run these commands build once, beforehand).
if [ -z "${REELSYNC_SKIP_BUILD:-}" ]; then
  bash scripts/setup.sh
  # shellcheck source=../tools/env.sh
  source tools/env.sh
  say "building (release)"
  bash scripts/build.sh
fi

BIN="$ROOT/target/release/reelsync"
export REELSYNC_DATA_DIR="${REELSYNC_DATA_DIR:-$ROOT/data}"
mkdir -p "$REELSYNC_DATA_DIR"
REELSYNC_DATA_DIR=$(cd "$REELSYNC_DATA_DIR" && pwd)

# The warehouse file saved with `reelsync settings --external-path`, if any.
saved_external() {
  "$BIN" --json settings 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", d => (s += d)).on("end", () => {
      try { process.stdout.write(JSON.parse(s).external_path ?? ""); } catch {}
    })'
}

if [ -z "${REELSYNC_EXTERNAL:-}" ] && [ -z "$(saved_external)" ]; then
  demo="$REELSYNC_DATA_DIR/demo-warehouse.sqlite3"
  if [ ! -f "$demo" ]; then
    say "no warehouse database configured: creating a demo one"
    "$BIN" demo-db "$demo"
  fi
  say "using the demo warehouse $demo (pass --external PATH for the real one)"
  export REELSYNC_EXTERNAL="$demo"
fi

if [ "$("$BIN" user count)" = "0" ]; then
  if [ -n "${REELSYNC_ADMIN_PASSWORD:-}" ]; then
    REELSYNC_PASSWORD="$REELSYNC_ADMIN_PASSWORD" "$BIN" user add admin --superuser
    say "created super admin 'admin' with the password in REELSYNC_ADMIN_PASSWORD"
  else
    password=$(node -e 'process.stdout.write(require("crypto").randomBytes(15).toString("base64url"))')
    REELSYNC_PASSWORD="$password" "$BIN" user add admin --superuser
    say "created super admin 'admin' with password: $password"
    say "(shown only this once; add others with: reelsync user add NAME --superuser)"
  fi
fi

# Where the built site is, for the server; see `cargo leptos build` above.
export LEPTOS_SITE_ROOT="$ROOT/target/site"
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_ENV=PROD
export REELSYNC_ADDR="${REELSYNC_ADDR:-${LEPTOS_SITE_ADDR:-0.0.0.0:3000}}"

port=${REELSYNC_ADDR##*:}
host=${REELSYNC_ADDR%:*}
case "$host" in
  0.0.0.0 | "[::]")
    host=$(hostname -I 2>/dev/null | awk '{print $1}')
    say "open http://${host:-localhost}:$port on a phone or tablet on the same network"
    say "(or http://localhost:$port on this machine); Ctrl-C stops the server"
    ;;
  *) say "open http://$host:$port; Ctrl-C stops the server" ;;
esac
exec "$BIN" serve
