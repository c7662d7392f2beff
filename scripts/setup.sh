#!/usr/bin/env bash
# Installs what building, running and testing reelsync needs, only where it is missing.
# Everything comes from package registries (crates.io, npm, Debian); nothing is fetched
# from GitHub. Safe to run again: each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Run apt as root or through sudo, whichever this machine has.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_rust_targets() {
  local installed
  installed=$(rustup target list --installed)
  for t in wasm32-unknown-unknown aarch64-unknown-linux-gnu; do
    grep -qx "$t" <<<"$installed" || { log "rustup: adding $t"; rustup target add "$t"; }
  done
}

# cargo-leptos 0.3.11's own lock wants a crate that needs a newer rustc; pinning that
# one crate back works. `no_downloads` turns a missing tool into an error instead of a
# download from GitHub.
install_cargo_leptos() {
  [ "$(cargo leptos --version 2>/dev/null)" = "cargo-leptos 0.3.11" ] && return 0
  log "cargo-leptos 0.3.11: building from crates.io (about 10 minutes)"
  cargo install cargo-leptos --version 0.3.11 --locked >/dev/null 2>&1 || true
  local src build
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cargo-leptos-0.3.11 | head -1)
  build=$(mktemp -d)
  cp -r "$src/." "$build"
  (cd "$build" && cargo update -p cargo-util-schemas --precise 0.14.1 &&
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install --path . --locked --features no_downloads)
  rm -rf "$build"
}

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
install_wasm_bindgen() {
  [ -f Cargo.lock ] || cargo generate-lockfile
  local wb
  wb=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
  [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $wb" ] && return 0
  log "wasm-bindgen-cli $wb"
  cargo install wasm-bindgen-cli --version "=$wb"
}

# Builds the Debian package (scripts/package.sh).
install_cargo_deb() {
  [ "$(cargo deb --version 2>/dev/null)" = "cargo-deb 3.8.0" ] && return 0
  log "cargo-deb 3.8.0"
  cargo install cargo-deb --version =3.8.0 --locked
}

# npm's binaryen 132 goes first on PATH (see tools/env.sh); Debian's binaryen 108
# builds a wasm that never hydrates, so it is never installed.
install_node_tools() {
  if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
    log "npm: binaryen (wasm-opt)"
    (cd tools && npm ci --no-audit --no-fund)
  fi
  # Again whenever the lock names packages the installed tree lacks.
  if [ ! -f end2end/node_modules/.package-lock.json ] ||
    [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    log "npm: end2end packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

apt_install curl chromium sqlite3 zopfli gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
  gcc lintian mmdebstrap proot systemd
install_rust_targets
install_cargo_leptos
install_wasm_bindgen
install_cargo_deb
install_node_tools
log "ready"
