#!/usr/bin/env bash
# Every check reelsync has, in the order CI runs them: formatting, lints (server and
# wasm), unit and integration tests, the release build, its Debian package's smoke
# test, then the browser tests against a server with a fresh demo warehouse.
#
#   scripts/test.sh            everything
#   scripts/test.sh --e2e      only the release build and the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# Each step says how long the run has taken so far, so a slow step shows.
step() { printf '\n\033[1m==> %s\033[0m (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

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
  # A test that hangs fails the run here, in minutes, rather than at CI's limit.
  timeout --kill-after=30s 25m cargo test --workspace --exclude frontend
fi

step "release build"
bash scripts/build.sh

step "the README's run commands"
bash scripts/readme-commands.sh

# The package of the build just made: lintian, then installed, upgraded,
# served, synced and purged in a Debian tree (no second build).
step "Debian package (amd64): lintian and smoke test"
bash scripts/package.sh --no-build --smoke

# Browser tests: each test file starts its own server of the release build, on a
# free loopback port with a fresh data dir and demo warehouse
# (end2end/tests/support/site.ts).
step "browser tests"
export REELSYNC_BIN="$ROOT/target/release/reelsync"
cd end2end && npx playwright test
step "done"
