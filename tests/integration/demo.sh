#!/usr/bin/env bash
# demo.sh — the README's first command runs scripts/demo; keep it working:
# the spc part, then spaprovd with the demo fleet (three spasim units over
# TFTP, HTTP and HTTPS), and the server stopped at the end. No key printed.
set -euo pipefail
command -v python3 >/dev/null && command -v curl >/dev/null || exit 77
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DEMO_DIR=$T/out bash "$SPA_SRC/scripts/demo" "$SPA_BUILD" > "$T/log" 2>&1 || { cat "$T/log"; exit 1; }
grep -q '^decoded by openssl and by spc --decode: identical$' "$T/log"
grep -q '^and is refused for another unit' "$T/log"
grep -q '^fleet: 3 accounts, group lobby, 20 devices of 5 models' "$T/log"
grep -q '^spasim SPA2102 000e08de0001 over tftp: resync ok$' "$T/log"
grep -q '^spasim SPA941 000e08de000d over http: resync ok$' "$T/log"
grep -q '^spasim SPA962 000e08de0011 over https: resync ok$' "$T/log"
grep -q "^the SPA2102 unit's flash holds" "$T/log"
[ "$(grep -c '^000e08de00[0-9a-f][0-9a-f]  ' "$T/log")" = 20 ]
grep -q '  000e08de0011  result    200 profile' "$T/log"
grep -q '^spaprovd stopped$' "$T/log"
grep -q '^demo finished$' "$T/log"
pid=$(sed -n 's/^spaprovd \([0-9]*\) serving.*/\1/p' "$T/log")
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null
if grep -q 'DemoSecretPhrase' "$T/log"; then echo 'demo printed the key'; exit 1; fi
for f in "$T"/out/unit-*/config.xml; do
    key=$(sed -n 's/.*\[--key \([0-9a-f]*\)\].*/\1/p' "$f")
    [ -n "$key" ] || continue
    if grep -qF "$key" "$T/log" "$T/out/spaprovd.log"; then echo 'demo printed a device key'; exit 1; fi
done
echo "demo ok"
