#!/usr/bin/env bash
# The README's "Run it" commands, as written, against the release build: each
# `scripts/run.sh` form starts a server on a free loopback port with a fresh data
# dir, and the server itself (its /check page, signed in) must name the warehouse
# file it was given.
#
#   scripts/readme-commands.sh     after scripts/build.sh (scripts/test.sh runs it)
#
#   scripts/run.sh --external PATH --addr HOST:PORT --data-dir DIR
#       serves PATH (a small demo-db file), and creates no demo warehouse;
#   scripts/run.sh    (REELSYNC_DATA_DIR and REELSYNC_ADDR in the environment)
#       creates DIR/demo-warehouse.sqlite3 and serves that.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="$ROOT/target/release/reelsync"

say() { printf '\033[1m[readme]\033[0m %s\n' "$*"; }

[ -x "$BIN" ] || { echo "no release build at $BIN: run scripts/build.sh first" >&2; exit 1; }

# Only what each command says decides where its server looks.
unset REELSYNC_DATA_DIR REELSYNC_EXTERNAL REELSYNC_ADDR LEPTOS_SITE_ADDR
export REELSYNC_ADMIN_PASSWORD=readme-commands-password
# The build is already done (run.sh would redo cargo-leptos's wasm steps, a minute
# or more each time).
export REELSYNC_SKIP_BUILD=1

tmp=$(mktemp -d)
pids=()
logs=()
cleanup() {
  local status=$? pid log
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "${logs[@]}"; do
      printf '\n--- %s\n' "$log" >&2
      tail -n 40 "$log" >&2 || true
    done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

failed() { echo "FAILED: $*" >&2; exit 1; }

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
    process.stdout.write(String(s.address().port)); s.close();
  })'
}

# Waits until the server at $1 (process $2, log $3) answers, for a minute at most.
wait_for() {
  local url=$1 pid=$2 log=$3 i
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || failed "run.sh ended before serving (see $log)"
    curl -fsS -o /dev/null "$url/login" 2>/dev/null && return 0
    sleep 0.1
  done
  failed "no answer from $url within a minute"
}

# Signs in as admin at $1 and prints the server's /check page.
check_page() {
  local url=$1 jar
  jar=$(mktemp "$tmp/cookies.XXXX")
  curl -fsS -o /dev/null -c "$jar" --data-urlencode username=admin \
    --data-urlencode "password=$REELSYNC_ADMIN_PASSWORD" "$url/api/login"
  grep -q reelsync_session "$jar" || failed "signing in at $url set no session cookie"
  curl -fsS -b "$jar" "$url/check"
}

# The warehouse file's name and reel count that a /check page (on stdin) shows.
file_and_reels() {
  local html
  html=$(cat)
  grep -q 'data-testid="check-report"' <<<"$html" ||
    failed "the check page shows no report: $(head -c 2000 <<<"$html")"
  printf '%s %s\n' \
    "$(sed -n 's/.*<bdi>\([^<]*\.sqlite3\)<.*/\1/p' <<<"$html" | head -1)" \
    "$(sed -n 's/.*data-testid="check-reels" data-value="\([0-9]*\)".*/\1/p' <<<"$html" | head -1)"
}

# 1. A real warehouse: scripts/run.sh --external PATH --addr HOST:PORT --data-dir DIR
warehouse="$tmp/readme-warehouse.sqlite3"
"$BIN" demo-db "$warehouse" --reels 40 --seed 3 >/dev/null
data="$tmp/data-external"
port=$(free_port)
log="$tmp/run-external.log"
logs+=("$log")
say "scripts/run.sh --external $warehouse --addr 127.0.0.1:$port --data-dir $data"
scripts/run.sh --external "$warehouse" --addr "127.0.0.1:$port" --data-dir "$data" >"$log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port" "$!" "$log"
[ ! -e "$data/demo-warehouse.sqlite3" ] || failed "run.sh --external created a demo warehouse"
seen=$(check_page "http://127.0.0.1:$port" | file_and_reels)
[ "$seen" = "readme-warehouse.sqlite3 40" ] ||
  failed "the server checks '$seen', not readme-warehouse.sqlite3 with its 40 reels"
say "ok: the server uses $warehouse (40 reels), no demo warehouse"

# 2. No warehouse configured: scripts/run.sh, its options from the environment.
data="$tmp/data-demo"
port=$(free_port)
log="$tmp/run-demo.log"
logs+=("$log")
say "REELSYNC_DATA_DIR=$data REELSYNC_ADDR=127.0.0.1:$port scripts/run.sh"
REELSYNC_DATA_DIR="$data" REELSYNC_ADDR="127.0.0.1:$port" scripts/run.sh >"$log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port" "$!" "$log"
[ -f "$data/demo-warehouse.sqlite3" ] || failed "run.sh created no demo warehouse in $data"
seen=$(check_page "http://127.0.0.1:$port" | file_and_reels)
[ "$seen" = "demo-warehouse.sqlite3 2000" ] ||
  failed "the server checks '$seen', not the demo warehouse with its 2000 reels"
say "ok: the server uses $data/demo-warehouse.sqlite3 (2000 reels)"
