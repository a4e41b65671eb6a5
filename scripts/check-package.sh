#!/usr/bin/env bash
# Package checks, run by `npm test`: pack (which builds), lint the tarball (publint, attw), then install
# it in a throw-away project and use it the ways consumers do: ESM, CommonJS (Node 24 and,
# when PROMFLEET_NODE22 is set, Node 22), and TypeScript (node16 and bundler resolution).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# From no build at all, as in a clean checkout: `npm pack` must build through its prepack script.
rm -rf dist
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
listing="$(tar -tzf "$tarball")"
for file in package/dist/index.js package/dist/index.d.ts package/dist/testing/index.js package/LICENSE; do
  grep -qx "$file" <<<"$listing" || { echo "the package lacks $file" >&2; exit 1; }
done
npx publint run "$tarball" --strict
npx attw "$tarball" --profile esm-only

consumer="$work/consumer"
mkdir -p "$consumer"
cp test/package/consumer.mjs test/package/consumer.cjs test/package/consumer.mts test/package/tsconfig.*.json "$consumer/"
cd "$consumer"
printf '{ "name": "consumer", "private": true, "type": "commonjs" }\n' > package.json
npm install --silent --no-audit --no-fund --prefer-offline "$tarball" >/dev/null
# The type checker and Node's types come from promfleet's own dev install, not the registry.
ln -s "$root/node_modules/@types" node_modules/@types

node consumer.mjs
node consumer.cjs
if [ -n "${PROMFLEET_NODE22:-}" ]; then "$PROMFLEET_NODE22" consumer.cjs; fi
"$root/node_modules/.bin/tsc" -p tsconfig.node16.json
"$root/node_modules/.bin/tsc" -p tsconfig.bundler.json
echo "package checks passed"
