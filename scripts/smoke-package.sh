#!/usr/bin/env bash
# The Debian package's smoke test, without a VM or root-level emulation: a
# Debian bookworm tree of the package's architecture (mmdebstrap
# --variant=extract), entered with proot (and qemu-user for arm64).
#
#   scripts/smoke-package.sh target/debian/reelsync_<version>_<arch>.deb
#
# In the tree it installs the package as the previous build (the same files, a
# lower version), lets the operator make a warehouse file and point
# /etc/default/reelsync at it, upgrades to the package given, serves it on
# loopback as its unit says, signs in with the one-time password (changing it),
# imports and sells a reel, syncs from the web and checks the warehouse file
# says Sold; then purges it and checks nothing is left but what the operator
# made. It prints the package's size, the time to install it and the idle
# server's memory (under qemu for arm64: qemu's own memory included).
#
# The tree's dpkg knows none of its extracted packages, so the package is
# installed with --force-depends; its dependencies are lintian's to check.
#
# Run it as root (CI does): proot's fake root cannot switch to the service's
# user, and the tree is made as root. Nothing outside the tree is changed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[smoke]\033[0m %s\n' "$*"; }
failed() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }

deb=$(realpath "${1:?usage: scripts/smoke-package.sh PACKAGE.deb}")
[ "$(id -u)" -eq 0 ] || failed "run it as root (sudo), see its header"
arch=$(dpkg-deb -f "$deb" Architecture)
version=$(dpkg-deb -f "$deb" Version)

tmp=$(mktemp -d)
# The service's user, in the tree, walks through here too.
chmod 755 "$tmp"
tree=$tmp/root
server=
cleanup() {
  local status=$?
  [ -z "$server" ] || kill -- -"$server" 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ -f "$tmp/serve.log" ]; then
    echo "--- the server's log" >&2
    tail -n 40 "$tmp/serve.log" >&2
  fi
  [ -n "${SMOKE_KEEP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT

emulator=()
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  case "$arch" in
    arm64) emulator=(-q qemu-aarch64) ;;
    *) failed "no emulator known for $arch" ;;
  esac
fi

# A command inside the tree, as its root, with a clean environment.
inside() {
  proot "${emulator[@]}" -r "$tree" -w / -b /dev -b /proc -b /sys \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    LD_PRELOAD=/usr/lib/proot-shim.so "$@"
}

# proot runs each program through a loader it writes to /tmp, which only root
# may run: a program switched to the service's user could start no other. Runs
# proot once and keeps a copy anyone may run, for PROOT_LOADER.
share_proot_loader() {
  local pid file=
  (cd / && exec proot "${emulator[@]}" -r "$tree" /bin/sh -c 'sleep 1') &
  pid=$!
  for _ in $(seq 100); do
    file=$(find /tmp -maxdepth 1 -name "prooted-$pid-*" 2>/dev/null | head -n 1)
    [ -n "$file" ] && break
    sleep 0.02
  done
  [ -n "$file" ] || failed "could not find proot's loader"
  cp "$file" "$tmp/proot-loader"
  chmod 755 "$tmp/proot-loader"
  wait "$pid" || true
  export PROOT_LOADER=$tmp/proot-loader
}

# proot 5.1 leaves the paths of statx(2) and faccessat2(2) untranslated: a
# shim preloaded into the tree's programs answers them from fstatat(2)
# (packaging/smoke/proot-shim.c). Not /etc/ld.so.preload: under qemu, ld.so's
# own look for that file is a faccessat2.
preload_proot_shim() {
  local cc=gcc
  [ "$arch" != arm64 ] || cc=aarch64-linux-gnu-gcc
  "$cc" -O2 -shared -fPIC -o "$tree/usr/lib/proot-shim.so" packaging/smoke/proot-shim.c
}

# Every path in the tree but the kernel's and dpkg's own bookkeeping.
tree_paths() {
  (cd "$tree" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev \
    -o -path ./tmp -o -path ./run -o -path ./var/lib/dpkg -o -path ./var/log \
    -o -path ./var/cache/debconf \) -prune -o -print) |
    grep -vE '^\./etc/((passwd|group|shadow|gshadow)-|\.pwd\.lock)$' | sort
}

say "a Debian bookworm $arch tree"
# Merged /usr, as on Raspberry Pi OS bookworm.
mmdebstrap --quiet --variant=extract --architectures="$arch" \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --include=dpkg,base-files,base-passwd,bash,dash,coreutils,debianutils,diffutils,findutils,grep,sed,gzip,tar,mawk,util-linux,login,passwd,adduser,init-system-helpers,perl-base,debconf,libc-bin,procps \
  bookworm "$tree" >"$tmp/mmdebstrap.log" 2>&1 || {
  cat "$tmp/mmdebstrap.log" >&2
  failed "mmdebstrap could not make the tree"
}
# What base-passwd's postinst would have made of its masters (an extracted
# tree ran no package's scripts).
cp "$tree/usr/share/base-passwd/passwd.master" "$tree/etc/passwd"
cp "$tree/usr/share/base-passwd/group.master" "$tree/etc/group"
sed 's/^\([^:]*\):.*/\1:*:20000:0:99999:7:::/' "$tree/etc/passwd" >"$tree/etc/shadow"
sed 's/^\([^:]*\):.*/\1:*::/' "$tree/etc/group" >"$tree/etc/gshadow"
preload_proot_shim
share_proot_loader
tree_paths >"$tmp/before"

# The previous build: the same files under a lower version.
mkdir "$tmp/previous"
dpkg-deb -R "$deb" "$tmp/previous/pkg"
sed -i "s/^Version: .*/Version: ${version}~previous/" "$tmp/previous/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -b "$tmp/previous/pkg" "$tree/tmp/previous.deb" >/dev/null
cp "$deb" "$tree/tmp/current.deb"

say "install ${version}~previous"
start=$SECONDS
inside dpkg -i --force-depends /tmp/previous.deb >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log" >&2
  failed "installing the package failed"
}
install_seconds=$((SECONDS - start))
grep -q "one-time password is in /var/lib/reelsync/initial-admin-password" "$tmp/install.log" ||
  failed "the install did not say where the first admin's password is: $(cat "$tmp/install.log")"
password_file=$tree/var/lib/reelsync/initial-admin-password
[ "$(stat -c %a "$password_file")" = 600 ] || failed "the initial password file is not mode 0600"
password=$(cat "$password_file")
grep -q '^reelsync:' "$tree/etc/passwd" || failed "no system user reelsync"
[ -f "$tree/lib/systemd/system/reelsync.service" ] || failed "no unit in /lib/systemd/system"

say "the operator makes a warehouse file and configures reelsync"
inside groupadd warehouse
inside mkdir -p /srv/warehouse
inside /usr/bin/reelsync demo-db /srv/warehouse/ism.sqlite3 --reels 300 --seed 7 >/dev/null
inside chgrp -R warehouse /srv/warehouse
inside chmod 0660 /srv/warehouse/ism.sqlite3
inside chmod 2770 /srv/warehouse
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
  process.stdout.write(String(s.address().port)); s.close();
})')
defaults=$tree/etc/default/reelsync
sed -i "s|^#REELSYNC_EXTERNAL=.*|REELSYNC_EXTERNAL=/srv/warehouse/ism.sqlite3|;
  s|^#REELSYNC_WAREHOUSE_GROUP=.*|REELSYNC_WAREHOUSE_GROUP=warehouse|;
  s|^REELSYNC_ADDR=.*|REELSYNC_ADDR=127.0.0.1:$port|" "$defaults"

say "upgrade to $version"
inside dpkg -i --force-depends /tmp/current.deb >"$tmp/upgrade.log" 2>&1 || {
  cat "$tmp/upgrade.log" >&2
  failed "upgrading the package failed"
}
grep -q "^REELSYNC_EXTERNAL=/srv/warehouse/ism.sqlite3" "$defaults" ||
  failed "the upgrade lost the operator's /etc/default/reelsync"
[ "$(cat "$password_file")" = "$password" ] || failed "the upgrade made a second first admin"
grep -q '^warehouse:.*reelsync' "$tree/etc/group" || failed "reelsync did not join the group warehouse: $(cat "$tmp/upgrade.log"; grep warehouse "$tree/etc/group")"
grep -qx 'ReadWritePaths="/srv/warehouse"' "$tree/etc/systemd/system/reelsync.service.d/warehouse.conf" ||
  failed "the service's drop-in does not open /srv/warehouse"
inside reelsync-admin user list --json | grep -q '"username":"admin"' ||
  failed "the upgrade lost the store's users"

say "systemd-analyze: verify, security"
unit=$tree/lib/systemd/system/reelsync.service
# verify wants ExecStart's binary on this machine: the tree's, by its path here.
sed "s|^ExecStart=/usr/bin/|ExecStart=$tree/usr/bin/|" "$unit" >"$tmp/reelsync.service"
verified=$(systemd-analyze verify "$tmp/reelsync.service" 2>&1) || true
[ -z "$verified" ] || failed "systemd-analyze verify: $verified"
exposure=$(systemd-analyze security --offline=yes --root="$tree" reelsync.service 2>&1 |
  sed -n 's/.*Overall exposure level for reelsync.service: \([0-9.]*\).*/\1/p')
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' ||
  failed "the unit's exposure is '$exposure', over 2.0"

say "serve as the unit does, on 127.0.0.1:$port"
mapfile -t unit_env < <(sed -n 's/^Environment=//p' "$unit")
read -r -a exec_start < <(sed -n 's/^ExecStart=//p' "$unit")
mapfile -t file_env < <(grep -E '^[A-Z_]+=' "$defaults")
setsid bash -c "$(declare -f inside); $(declare -p emulator tree); \
  inside setpriv --reuid=reelsync --regid=reelsync --init-groups /usr/bin/env ${unit_env[*]@Q} ${file_env[*]@Q} \
  ${exec_start[*]@Q}" >"$tmp/serve.log" 2>&1 &
server=$!
url=http://127.0.0.1:$port
for _ in $(seq 600); do
  kill -0 "$server" 2>/dev/null || failed "the server ended before serving"
  curl -fsS -o /dev/null "$url/login" 2>/dev/null && break
  sleep 0.2
done
curl -fsS "$url/login" | grep -q '<form' || failed "no sign-in form at $url/login"
sleep 3
idle_kb=$(pgrep -f '/usr/bin/reelsync serve' | while read -r pid; do
  awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true
done | sort -n | tail -n 1)

say "sign in with the one-time password, change it"
jar=$tmp/cookies
curl -fsS -o /dev/null -c "$jar" --data-urlencode username=admin \
  --data-urlencode "password=$password" "$url/api/login"
grep -q reelsync_session "$jar" || failed "signing in with the one-time password set no session"
[ "$(curl -sS -o /dev/null -w '%{redirect_url}' -b "$jar" "$url/")" = "$url/account" ] ||
  failed "a one-time password did not lead to the password change"
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "current=$password" \
  --data-urlencode password=smoke-test-password-1 --data-urlencode repeat=smoke-test-password-1 \
  "$url/api/change-password" || failed "changing the one-time password failed"

say "import, sell a reel, sync from the web"
warehouse=$tree/srv/warehouse/ism.sqlite3
reel=$(sqlite3 "$warehouse" "select reel_number from Products where status = 'In-stock' order by id limit 1")
inside reelsync-admin --json import "$reel" >"$tmp/import.json" ||
  failed "importing $reel failed: $(head -c 1000 "$tmp/import.json")"
grep -q '"imported":1,' "$tmp/import.json" || failed "the import took no reel: $(cat "$tmp/import.json")"
inside reelsync-admin product set-status sold "$reel" >/dev/null
run=$(curl -fsS -b "$jar" -X POST "$url/api/start-sync") || failed "starting a sync failed"
outcome=running
for _ in $(seq 300); do
  outcome=$(curl -fsS -b "$jar" --data-urlencode "id=$run" "$url/api/run" |
    grep -o '"outcome":"[a-z_]*"' | head -n 1 | cut -d'"' -f4)
  [ "$outcome" = running ] || break
  sleep 0.5
done
[ "$outcome" = succeeded ] || failed "the sync (run $run) ended '$outcome'"
status=$(sqlite3 "$warehouse" \
  "select status from Products where reel_number = '${reel//\'/\'\'}'")
[ "$status" = Sold ] || failed "the warehouse says $reel is '$status', not Sold"

kill -- -"$server"
wait "$server" 2>/dev/null || true
server=

say "purge"
inside dpkg --purge reelsync >"$tmp/purge.log" 2>&1 || {
  cat "$tmp/purge.log" >&2
  failed "purging the package failed"
}
tree_paths >"$tmp/after"
left=$(comm -13 "$tmp/before" "$tmp/after" | grep -vxE '\./srv(/warehouse(/ism\.sqlite3)?)?' || true)
[ -z "$left" ] || failed "the purge left: $left"
! grep -q reelsync "$tree/etc/passwd" "$tree/etc/group" || failed "the purge left the user reelsync"
[ -s "$tree/srv/warehouse/ism.sqlite3" ] || failed "the purge touched the warehouse file"

say "ok: $(basename "$deb")"
say "figures: package $(($(stat -c %s "$deb") / 1024)) kB, install ${install_seconds} s," \
  "idle server $((idle_kb / 1024)) MB resident, unit exposure $exposure"
