#!/usr/bin/env bash
# Every check reelsync has, in the order CI runs them: formatting, lints (server and
# wasm), unit and integration tests, the release build, then the browser tests
# against a server with a fresh demo warehouse.
#
#   scripts/test.sh            everything
#   scripts/test.sh --e2e      only the release build and the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

only_e2e=false
[ "${1:-}" = "--e2e" ] && only_e2e=true

step "setup"
bash scripts/setup.sh
# shellcheck source=../tools/env.sh
source tools/env.sh

if ! $only_e2e; then
  step "cargo fmt --check"
  cargo fmt --all -- --check

  step "clippy: server side"
  cargo clippy --workspace --exclude frontend --all-targets -- -D warnings

  step "clippy: wasm front end"
  cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

  step "cargo test"
  cargo test --workspace --exclude frontend
fi

step "release build"
cargo leptos build --release

# Browser tests: a server of the release build on a free local port, with a fresh
# data dir, a demo warehouse of fixed content and two known users.
step "browser tests"
BIN="$ROOT/target/release/reelsync"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export REELSYNC_DATA_DIR="$WORK/data"
export REELSYNC_EXTERNAL="$WORK/warehouse.sqlite3"
export E2E_ADMIN=e2e-admin E2E_CLERK=e2e-clerk E2E_PASSWORD=e2e-password-123
"$BIN" --json demo-db "$REELSYNC_EXTERNAL" --reels 300 --seed 7 >"$WORK/demo.json"
REELSYNC_PASSWORD=$E2E_PASSWORD "$BIN" user add "$E2E_ADMIN" --superuser
REELSYNC_PASSWORD=$E2E_PASSWORD "$BIN" user add "$E2E_CLERK"
# The demo's figures, for the tests to compare the dashboard with.
REELSYNC_DEMO=$(cat "$WORK/demo.json")
export REELSYNC_DEMO
echo "demo warehouse: $REELSYNC_DEMO"

PORT=$(node -e 'const s = require("net").createServer();
  s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
export BASE_URL="http://127.0.0.1:$PORT"
LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn} \
  "$BIN" serve --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

# Ready when the login page answers (at most 30 s).
for _ in $(seq 300); do
  curl -fsS -o /dev/null "$BASE_URL/login" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "$BASE_URL/login" || { cat "$WORK/server.log"; exit 1; }

status=0
(cd end2end && npx playwright test) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log ---"
  cat "$WORK/server.log"
fi
exit "$status"
