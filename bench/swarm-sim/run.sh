#!/usr/bin/env bash
# Bundles the simulator (and the player's policy.ts it runs) with the player's own esbuild, then runs it under Node.
# Usage: bash bench/swarm-sim/run.sh [--quick] [--n 10,100,1000,10000] [--seed 1] [--json] [--browser-check]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ -x "$root/src/player/node_modules/.bin/esbuild" ] || (cd "$root/src/player" && npm ci --no-audit --no-fund >/dev/null)
mkdir -p "$root/.tmp/swarm-sim"
for entry in main test; do
  "$root/src/player/node_modules/.bin/esbuild" "$root/bench/swarm-sim/$entry.ts" --bundle --platform=node --format=esm \
    --log-level=warning --outfile="$root/.tmp/swarm-sim/$entry.mjs"
done
if [ "${1:-}" = "--test" ]; then
  exec node "$root/.tmp/swarm-sim/test.mjs"
fi
exec node "$root/.tmp/swarm-sim/main.mjs" "$@"
