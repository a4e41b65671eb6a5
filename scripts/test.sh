#!/usr/bin/env bash
# `npm test`: type check, lint, then every test project with coverage (thresholds enforced when
# CI is set), then the package checks. When PROMFLEET_NODE22 names a Node 22 binary, the unit tests also run on it.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npx biome check .
npx vitest run --coverage
bash scripts/check-package.sh
if [ -n "${PROMFLEET_NODE22:-}" ]; then
  echo "unit tests on $("$PROMFLEET_NODE22" --version)"
  "$PROMFLEET_NODE22" node_modules/vitest/vitest.mjs run --project unit
fi
