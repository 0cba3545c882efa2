# assert.sh — sourced by the integration scripts (not a test itself): the
# ok/bad/check reporting every script shares; each script counts FAILS.
#   check "what" cmd args...   runs cmd; reports ok or FAIL
#   has FILE TEXT              TEXT occurs in FILE (fixed string)
#   eventually SECS cmd args...  runs cmd every 50 ms until it succeeds; fails after SECS
#                              (spaprovd writes events behind: a TFTP error reply can
#                              reach the client a moment before its event is stored)
FAILS=0
ok()    { echo "ok   - $*"; }
bad()   { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
has()   { grep -qF -- "$2" "$1"; }
eventually() {
    local end=$(($(date +%s%N) + $1 * 1000000000)); shift
    until "$@"; do [ "$(date +%s%N)" -lt "$end" ] || return 1; sleep 0.05; done
}
