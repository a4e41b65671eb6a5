#!/usr/bin/env bash
# `npm test`: type check, lint, every test project with coverage (thresholds enforced when CI is
# set), the package checks, and — when PROMFLEET_NODE22 names a Node 22 binary — the unit tests
# again on Node 22. Ends with one plain "N passed, N failed" line over every vitest run.
set -euo pipefail
cd "$(dirname "$0")/.."
reports=.tmp/test-reports
rm -rf "$reports" && mkdir -p "$reports"

npx tsc -p tsconfig.json --noEmit
npx biome check .
npx typedoc --emit none # API docs: every public symbol documented, no broken link (warnings are errors)
npx vitest run --coverage --reporter=default --reporter=json --outputFile.json="$reports/node24.json"
bash scripts/check-package.sh
if [ -n "${PROMFLEET_NODE22:-}" ]; then
  echo "unit tests on $("$PROMFLEET_NODE22" --version)"
  "$PROMFLEET_NODE22" node_modules/vitest/vitest.mjs run --project unit \
    --reporter=default --reporter=json --outputFile.json="$reports/node22.json"
fi
node scripts/summarize-tests.ts "$reports"/*.json
