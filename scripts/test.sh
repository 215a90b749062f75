#!/usr/bin/env bash
# The test command: set up (unless SKIP_SETUP=1), compile, check import layering, lint and formatting,
# then run every unit and end-to-end test with node's test runner on the compiled output. Exits
# non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${SKIP_SETUP:-0}" != "1" ]; then bash scripts/setup.sh; else npx tsc -p .; fi
# Static checks first, as they take seconds and the tests take minutes: the import layering, then
# Biome's lint and formatting (biome.json), where a warning fails too so the tree stays clean.
# set -e makes either failure the script's failure; their output goes to stderr, as setup's does.
node scripts/check-imports.mjs >&2
npx biome check --error-on-warnings . >&2
mapfile -t files < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "test: no compiled tests found under dist/" >&2; exit 1; fi
echo "test: ${#files[@]} test files" >&2
exec node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" "${files[@]}"
