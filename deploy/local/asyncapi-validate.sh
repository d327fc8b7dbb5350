#!/usr/bin/env bash
# `make lint`: validate shared/events/asyncapi.json with the AsyncAPI parser (npm @asyncapi/parser,
# pinned in deploy/local/asyncapi/package-lock.json, installed once into .hallmark/asyncapi).
set -euo pipefail
cd "$(dirname "$0")/../.."

SRC=deploy/local/asyncapi
DEST=.hallmark/asyncapi
command -v node >/dev/null || { echo "missing: node (Node.js 18+ validates the AsyncAPI document)" >&2; exit 1; }
if ! cmp -s "$SRC/package-lock.json" "$DEST/package-lock.json" 2>/dev/null || [ ! -d "$DEST/node_modules" ]; then
  mkdir -p "$DEST"
  cp "$SRC/package.json" "$SRC/package-lock.json" "$DEST/"
  (cd "$DEST" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
cp "$SRC/validate.mjs" "$DEST/validate.mjs"
node "$DEST/validate.mjs" shared/events/asyncapi.json
