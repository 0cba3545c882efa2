#!/usr/bin/env bash
# demo.sh — the README's first command runs scripts/demo; keep it working.
set -euo pipefail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DEMO_DIR=$T/out bash "$SPA_SRC/scripts/demo" "$SPA_BUILD" > "$T/log" 2>&1 || { cat "$T/log"; exit 1; }
grep -q '^decoded by openssl and by spc --decode: identical$' "$T/log"
grep -q '^and is refused for another unit' "$T/log"
grep -q '^demo finished$' "$T/log"
if grep -q 'DemoSecretPhrase' "$T/log"; then echo 'demo printed the key'; exit 1; fi
echo "demo ok"
