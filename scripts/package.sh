#!/usr/bin/env bash
# The Debian package: target/debian/reelsync_<version>_<arch>.deb, made with
# cargo-deb from the release build (packaging/debian holds the unit, the
# maintainer scripts and /etc/default/reelsync; server/Cargo.toml lists what goes
# where).
#
#   scripts/package.sh [--arch arm64|amd64] [--no-build] [--smoke]
#
#   --arch      amd64 (this machine, the default) or arm64 (a Raspberry Pi with
#               64-bit Raspberry Pi OS), cross-built here
#   --no-build  package the release build already in target/ (CI, after
#               scripts/build.sh); otherwise the release build is made first
#   --smoke     then install, upgrade, serve, sign in, sync and purge it in a
#               Debian tree of that architecture (scripts/smoke-package.sh)
#
# After scripts/setup.sh; run `source tools/env.sh` first when building.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[package]\033[0m %s\n' "$*"; }
usage() { sed -n '2,15s/^# \{0,1\}//p' "$0"; }

arch=amd64
build=true
smoke=false
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:?--arch needs arm64 or amd64}; shift 2 ;;
    --arch=*) arch=${1#*=}; shift ;;
    --no-build) build=false; shift ;;
    --smoke) smoke=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

case "$arch" in
  amd64) triple= ;;
  arm64)
    triple=aarch64-unknown-linux-gnu
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export LEPTOS_BIN_TARGET_TRIPLE=$triple
    ;;
  *) echo "--arch is arm64 or amd64, not '$arch'" >&2; exit 2 ;;
esac

if $build; then
  say "release build${triple:+ for $triple}"
  bash scripts/build.sh
fi

bin=target/${triple:+$triple/}release/reelsync
for needed in "$bin" "$(dirname "$bin")/hash.txt" target/site/pkg; do
  [ -e "$needed" ] || { echo "no $needed: run without --no-build" >&2; exit 1; }
done

# Debian wants the upstream changelog compressed, as changelog.gz, and
# reproducible (no name or time in the gzip header).
mkdir -p target/debian/doc
gzip -9nc CHANGELOG.md >target/debian/doc/changelog.gz

say "cargo deb ($arch)"
deb=$(cargo deb -q -p server --no-build ${triple:+--target "$triple"} | tail -n 1)
[ -f "$deb" ] || { echo "cargo deb made no package" >&2; exit 1; }
say "$deb ($(du -k "$deb" | cut -f1) kB)"

if command -v lintian >/dev/null; then
  say "lintian"
  # Errors fail the build; warnings are shown.
  lintian --fail-on error --suppress-tags no-manual-page,initial-upload-closes-no-bugs "$deb"
fi

if $smoke; then
  bash scripts/smoke-package.sh "$deb"
fi
