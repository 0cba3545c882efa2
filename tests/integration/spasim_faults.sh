#!/bin/bash
# spasim_faults.sh — fault cases not covered by spasim_http.sh/spasim_tftp.sh
# (which check 404, 500, wrong key, truncated file and TFTP timeout for the
# old configuration and $ERR), here with a running spasim and its retry
# schedule: a connection reset mid-transfer (spa_nettool http-fault reset:
# 200 with a long Content-Length, part of the body, then RST), an HTTP stall
# (headers and part of the body, then silence; --http-timeout 1000), a 404
# from nginx, and a --hosts name whose every address is dead. Each device
# starts with a blank Profile_Rule; the test reads /admin/spacfg.xml, sets
# the rule through the Admin page, asks /admin/resync, and waits for three
# failures. Then: /admin/spacfg.xml is unchanged except Profile_Rule, the
# status ERR and three "Resync failed: $ERR" syslog lines (--syslog to
# spa_nettool syslog-recv) name the fault, and the attempts seen by the
# server follow Resync_Error_Retry_Delay "1,2,30": the second at least 1 s
# after the first failed, the third at least 2 s after the second, and no
# fourth. Needs nginx, curl, python3; else skipped (77).
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-faults

need nginx curl python3
need_spasim
TOOL=${SPA_TOOLS:-$(dirname "$SIM")/tests/tools}/spa_nettool
[ -x "$TOOL" ] || { echo "spa_nettool not built"; exit 1; }


# ---- peers ----------------------------------------------------------------------------
"$TOOL" syslog-recv 0 1000 120 >"$T/syslog.out" 2>"$T/syslog.err" &
PIDS+=($!)
SLP=$(port_line "$T/syslog.out")
"$TOOL" http-fault 0 120 reset 3000 >"$T/reset.log" 2>&1 &
PIDS+=($!)
RP=$(port_line "$T/reset.log")
"$TOOL" http-fault 0 120 stall 100 >"$T/stall.log" 2>&1 &
PIDS+=($!)
SP=$(port_line "$T/stall.log")
N=$T/nginx
NP=$(pick_port)
start_nginx "$N" '$msec "$request" $status' "    server { listen 127.0.0.1:$NP; root $N/root; }" \
    || { echo "FAIL - nginx config"; exit 1; }
wait_http "http://127.0.0.1:$NP/"
[ -n "$SLP" ] && [ -n "$RP" ] && [ -n "$SP" ] || { echo "FAIL - a peer did not start"; exit 1; }
printf '127.0.0.2 dead.test\n127.0.0.3 dead.test\n' >"$T/hosts"

# ---- one case ---------------------------------------------------------------------------
web() { # NAME PATH [curl args]: body in $T/NAME, status code echoed
    local name=$1 path=$2
    shift 2
    curl -s --max-time 10 -o "$T/$name" -w '%{http_code}' "$@" "http://127.0.0.1:$AP$path"
}
failures() { sed -n 's/.*"resync_fail":\([0-9]*\).*/\1/p' "$T/$1" | head -1; }

# fault CASE MAC URL ERR [spasim args]
fault() {
    local c=$1 mac=$2 url=$3 err=$4
    shift 4
    mkdir -p "$T/$c"
    cat >"$T/$c/config.xml" <<EOF
<flat-profile>
  <Profile_Rule></Profile_Rule>
  <Resync_Error_Retry_Delay>1,2,30</Resync_Error_Retry_Delay>
  <Resync_Random_Delay>0</Resync_Random_Delay>
  <Resync_Periodic>0</Resync_Periodic>
  <GPP_A>old</GPP_A>
</flat-profile>
EOF
    : >"$T/$c.out"
    timeout 90 "$SIM" --model SPA2102 --mac "$mac" --serial 88012BA01234 --state "$T/$c" \
        --http 127.0.0.1:0 --syslog "127.0.0.1:$SLP" --hosts "$T/hosts" "$@" \
        >"$T/$c.out" 2>"$T/$c.err" &
    local spid=$!
    PIDS+=($spid)
    AP=$(port_line "$T/$c.out")
    web "$c.ref" /admin/spacfg.xml >/dev/null
    check "$c: rule set on the Admin page" \
        test "$(web "$c.set" /admin/ --data-urlencode "Profile_Rule=$url")" = 200
    check "$c: resync requested" test "$(web "$c.rs" /admin/resync)" = 200
    for _ in $(seq 300); do
        web "$c.status" /admin/status >/dev/null
        [ "$(failures "$c.status")" -ge 3 ] 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.5   # a fourth attempt, if any, would show now
    web "$c.status" /admin/status >/dev/null
    web "$c.after" /admin/spacfg.xml >/dev/null
    check "$c: three failed attempts, then waiting (30 s)" test "$(failures "$c.status")" = 3
    check "$c: status ERR \"$err\"" has "$T/$c.status" "\"err\":\"$err\""
    check "$c: configuration unchanged (but Profile_Rule)" \
        bash -c "diff <(grep -v Profile_Rule '$T/$c.ref') <(grep -v Profile_Rule '$T/$c.after') >/dev/null"
    check "$c: old value still there" has "$T/$c.after" '<GPP_A ua="na">old</GPP_A>'
    local colon
    colon=$(echo "$mac" | sed 's/../&:/g; s/:$//')
    for _ in $(seq 30); do
        [ "$(grep -c "mac=$mac .*$colon -- Resync failed: $err\$" "$T/syslog.out")" -ge 3 ] && break
        sleep 0.1
    done
    check "$c: three \"Resync failed: $err\" syslog lines" \
        test "$(grep -c "mac=$mac .*$colon -- Resync failed: $err\$" "$T/syslog.out")" = 3
    kill -TERM $spid
    wait $spid 2>/dev/null
}

# gaps NAME MS1 MS2 T0 T1 T2: attempt times in ms follow the schedule (the
# first gap also holds the time the failed attempt took; lower bounds only)
gaps() {
    local name=$1 g1=$(($5 - $4)) g2=$(($6 - $5))
    echo "# $name: attempts $4 $5 $6 ms (gaps $g1, $g2)"
    check "$name: second attempt >= $2 ms after the first" test "$g1" -ge "$2"
    check "$name: third attempt >= $3 ms after the second" test "$g2" -ge "$3"
}
times_of() { sed -n 's/^t=\([0-9]*\) .*/\1/p' "$1"; }

# 1. reset mid-transfer
fault reset 000e08000011 "http://127.0.0.1:$RP/spa.xml" "http_get failed"
mapfile -t TS < <(times_of "$T/reset.log")
check "reset: the server saw exactly three requests" test "${#TS[@]}" = 3
[ "${#TS[@]}" -ge 3 ] && gaps reset 1000 2000 "${TS[@]:0:3}"

# 2. stall: each attempt ends with the 1 s HTTP timeout
fault stall 000e08000012 "http://127.0.0.1:$SP/spa.xml" "timeout" --http-timeout 1000
mapfile -t TS < <(times_of "$T/stall.log")
check "stall: the server saw exactly three requests" test "${#TS[@]}" = 3
# each gap is the 1 s timeout plus the retry delay, but the timeout runs
# from before the server's timestamp (by how much depends on the load):
# only the retry delay is a safe lower bound
[ "${#TS[@]}" -ge 3 ] && gaps stall 1000 2000 "${TS[@]:0:3}"

# 3. 404 from nginx (times from its access log, $msec)
fault nf 000e08000013 "http://127.0.0.1:$NP/missing.xml" "file not found"
mapfile -t TS < <(awk '/missing.xml/ { print $1 }' "$N/logs/access.log" | tr -d .)
check "404: nginx saw exactly three requests" test "${#TS[@]}" = 3
[ "${#TS[@]}" -ge 3 ] && gaps 404 1000 2000 "${TS[@]:0:3}"

# 4. every address of the name dead
fault dead 000e08000014 "http://dead.test:$NP/spa.xml" "connect failed"
check "all addresses dead: the request line named the server" \
    grep -q "mac=000e08000014 .*Requesting resync http://dead.test:$NP/spa.xml" "$T/syslog.out"

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.status "$T"/*.err "$T"/reset.log "$T"/stall.log "$T/syslog.out"; do
        echo "--- $f"; cat "$f"
    done
    echo "--- access log"; cat "$N/logs/access.log"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
