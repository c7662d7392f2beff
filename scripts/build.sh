#!/usr/bin/env bash
# The release build of reelsync: the server binary (target/<triple>/release/reelsync,
# with hash.txt beside it) and the site (target/site), every site file precompressed.
#
#   scripts/build.sh            after scripts/setup.sh and `source tools/env.sh`
#
# cargo-leptos writes the brotli copies (what browsers use over HTTPS) and gzip
# copies; its gzip encoder packs the wasm 15 % worse than `gzip -9`, and gzip is what
# phones get over the LAN's plain HTTP, so those copies are made again with gzip -9.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo leptos build --release --precompress --split
find target/site -type f ! -name '*.gz' ! -name '*.br' -print0 |
  while IFS= read -r -d '' file; do
    gzip -9 -n -c "$file" >"$file.gz"
  done
