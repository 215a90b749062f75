#!/usr/bin/env bash
# Runs every benchmark under bench/ (compiled), each printing its figure and its ratio to a baseline
# measured in the same run. Setup first unless SKIP_SETUP=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${SKIP_SETUP:-0}" != "1" ]; then bash scripts/setup.sh; else npx tsc -p .; fi
for b in dist/bench/*.js; do
  case "$b" in */stats.js) continue ;; esac
  echo "== $(basename "$b" .js)" >&2
  GIFEE_LOG=warn node "$b"
done
