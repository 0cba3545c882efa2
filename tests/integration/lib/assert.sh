# assert.sh — sourced by the integration scripts (not a test itself): the
# ok/bad/check reporting every script shares; each script counts FAILS.
#   check "what" cmd args...   runs cmd; reports ok or FAIL
#   has FILE TEXT              TEXT occurs in FILE (fixed string)
FAILS=0
ok()    { echo "ok   - $*"; }
bad()   { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
has()   { grep -qF -- "$2" "$1"; }
