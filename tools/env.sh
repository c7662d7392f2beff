# Sourced by the scripts: puts the project's own build tools first on PATH.
# cargo-leptos runs whichever `wasm-opt` comes first; it must be npm's binaryen 132
# (tools/node_modules), never Debian's 108, whose output never hydrates.
REELSYNC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$REELSYNC_ROOT/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
