#!/bin/bash
# spasim_ctl.sh — `spasim ctl DIR ...` against a running spasim (no network
# peer: its rules are blank): status, offhook/onhook, registration, a dial
# string that is not a reset, malformed commands refused, and the IVR
# manufacturing reset '****RESET#1#' bringing the saved configuration back
# to factory defaults. The emulator is stopped with SIGTERM and must remove
# its control socket. Bounded in time; kills what it starts.
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-ctl

need_spasim

# ---- command line -------------------------------------------------------------------
"$SIM" --help >"$T/help.out" 2>&1
check "--help: exit 0 with usage" bash -c "[ $? = 0 ] && grep -q '^usage: spasim' '$T/help.out'"
"$SIM" --version >"$T/version.out" 2>&1
check "--version" grep -q '^spasim (spaprov) ' "$T/version.out"
"$SIM" --state "$T/x" >/dev/null 2>"$T/nomac.err"; RC=$?
check "missing --mac: usage error (2)" test $RC = 2
"$SIM" --mac zz --state "$T/x" --once >/dev/null 2>"$T/badmac.err"; RC=$?
check "bad MAC refused (1)" test $RC = 1
check "bad MAC: reason" grep -q "bad MAC address 'zz'" "$T/badmac.err"
mkdir -p "$T/bad"
printf 'boots=1\nresyncs=x\n' >"$T/bad/device.state"
"$SIM" --mac 000e08aabbcc --state "$T/bad" --once >/dev/null 2>"$T/badstate.err"; RC=$?
check "malformed device.state refused (1)" test $RC = 1
check "malformed device.state: file:line:col" grep -q "device.state:2:9: error: resyncs: expected a number" "$T/badstate.err"

ST=$T/st
mkdir -p "$ST"
echo '<flat-profile><Profile_Rule></Profile_Rule><GPP_A>configured</GPP_A></flat-profile>' >"$ST/config.xml"
timeout 60 "$SIM" --model SPA2102 --mac 000e08aabbcc --serial 88012BA01234 --state "$ST" \
    --http 127.0.0.1:0 >"$T/run.out" 2>"$T/run.err" &
SPID=$!
PIDS+=($SPID)
for _ in $(seq 50); do [ -S "$ST/ctl.sock" ] && break; sleep 0.1; done
check "control socket created" test -S "$ST/ctl.sock"

ctl() { # name words...; output in $T/name.out, exit code in $T/name.rc
    local name=$1; shift
    timeout 10 "$SIM" ctl "$ST" "$@" >"$T/$name.out" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
}

ctl c1 status
check "status: exit 0" rc_is c1 0
check "status: JSON" has "$T/c1.out" 'ok {"mac":"000e08aabbcc"'
ctl c2 offhook 2
check "offhook 2" has "$T/c2.out" 'ok line 2 offhook'
ctl c3 onhook 2
check "onhook 2" has "$T/c3.out" 'ok line 2 onhook'
ctl c4 unregistered
check "unregistered (line 1 by default)" has "$T/c4.out" 'ok line 1 unregistered'
ctl c5 dial '*69'
check "other dial strings do nothing" has "$T/c5.out" 'ok dialed *69'
ctl c6 offhook 9
check "bad line number refused" rc_is c6 1
check "bad line number: reason" has "$T/c6.out" 'error expected a line number 1..8'
ctl c7 frobnicate
check "unknown command refused" rc_is c7 1
check "value still configured before the reset" has "$ST/config.xml" '<GPP_A ua="na">configured</GPP_A>'
ctl c8 dial '****RESET#1#'
check "manufacturing reset: exit 0" rc_is c8 0
check "manufacturing reset: answer" has "$T/c8.out" 'ok factory reset'
check "manufacturing reset: factory defaults saved" bash -c "! grep -q GPP_A '$ST/config.xml'"
kill -TERM $SPID
for _ in $(seq 50); do kill -0 $SPID 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops spasim" bash -c "! kill -0 $SPID 2>/dev/null"
check "control socket removed" test ! -e "$ST/ctl.sock"
check "no temporary file left in the state dir" bash -c "! ls '$ST' | grep -q tmp"
check "state saved on exit" grep -q '^boots=1$' "$ST/device.state"
ctl c9 status
check "ctl without a running spasim fails" rc_is c9 1

# ---- power loss: SIGKILL, then a restart from the same state directory -----------------
echo '<flat-profile><Profile_Rule></Profile_Rule><GPP_B>before-kill</GPP_B></flat-profile>' >"$ST/config.xml"
"$SIM" --model SPA2102 --mac 000e08aabbcc --serial 88012BA01234 --state "$ST" \
    --http 127.0.0.1:0 >"$T/k.out" 2>"$T/k.err" &
KPID=$!
PIDS+=($KPID)
# pull the plug once this power-up is on flash (boots=2 saved)
for _ in $(seq 50); do
    [ -S "$ST/ctl.sock" ] && grep -q '^boots=2$' "$ST/device.state" 2>/dev/null && break
    sleep 0.1
done
kill -KILL $KPID
wait $KPID 2>/dev/null
: >"$ST/config.xml.tmp.99999"   # as if killed between write and rename
START=$SECONDS
timeout 60 "$SIM" --model SPA2102 --mac 000e08aabbcc --serial 88012BA01234 --state "$ST" \
    --once --timeout 20 >"$T/k2.json" 2>"$T/k2.err"
ELAPSED=$((SECONDS - START))
check "--once with nothing to fetch ends at once (${ELAPSED}s)" test $ELAPSED -lt 10
check "restart after SIGKILL keeps the configuration" has "$ST/config.xml" '<GPP_B ua="na">before-kill</GPP_B>'
check "restart after SIGKILL counts the boots" grep -q '^boots=3$' "$ST/device.state"
check "restart removed the stale temporary file" test ! -e "$ST/config.xml.tmp.99999"
check "restart after SIGKILL: JSON" has "$T/k2.json" '"mac":"000e08aabbcc"'

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.out "$T"/*.err; do echo "--- $f"; cat "$f"; done
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
