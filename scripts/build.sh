#!/usr/bin/env bash
# The release build of reelsync: the server binary (target/<triple>/release/reelsync,
# with hash.txt beside it) and the site (target/site), every site file precompressed.
#
#   scripts/build.sh            after scripts/setup.sh and `source tools/env.sh`
#
# cargo-leptos writes the brotli copies (what browsers use over HTTPS) and gzip
# copies; its gzip encoder packs the wasm 15 % worse than `gzip -9`, and gzip is what
# phones get over the LAN's plain HTTP, so those copies are made again with zopfli
# (Debian's `zopfli`, from scripts/setup.sh): the same gzip format any browser
# reads, 4 % smaller than `gzip -9` on the wasm, for a few seconds' more build.
set -euo pipefail
cd "$(dirname "$0")/.."

# The front end and the server at once, as two builds: with hashed file names
# cargo-leptos builds them one after the other, and most of the front end's time
# (its link-time optimisation on one codegen unit, then wasm-bindgen and wasm-opt
# chunk by chunk) keeps one core busy, so the server's build uses the other. The
# server reads hash.txt only when it starts, so neither build waits for the other.
cargo leptos build --release --precompress --split --frontend-only &
front=$!
trap 'kill "$front" 2>/dev/null || true' EXIT
cargo leptos build --release --server-only
wait "$front"
trap - EXIT
# The server links a page's wasm chunks for preloading only when it finds the
# split manifest in the site (the browser's loader carries its own copy). A page
# like /import needs two dozen chunks, and that many requests at once held its
# first paint back by 100-250 ms on an emulated phone; without the manifest the
# chunks are fetched, all at once, when the page hydrates, and the server's
# render paints first.
rm -f target/site/pkg/__wasm_split_manifest*.json*
find target/site -type f ! -name '*.gz' ! -name '*.br' -print0 |
  while IFS= read -r -d '' file; do
    zopfli -c "$file" >"$file.gz"
  done
