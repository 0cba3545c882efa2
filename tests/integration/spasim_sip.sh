#!/bin/bash
# spasim_sip.sh — SIP NOTIFY against a running spasim, sent by sipp (the
# scenarios in sipp/), with nginx as the provisioning server whose access log
# proves what the device fetched and uploaded:
#   NOTIFY Event: resync → 401, the retry with the line's digest → 200, and
#     nginx sees one more GET of the profile; /admin/resync (curl) likewise,
#     and /admin/resync?URL fetches that URL;
#   a wrong password → 403 and no GET; an unknown event → 489;
#   Event: report → 200 and the Report_Rule POST reaches nginx (body on disk,
#     without the SIP password);
#   Event: reboot_now → the boots counter +1 (and the power-up resync);
#   Event: restart_now → the power-up resync again, boots unchanged;
#   a second unit with Resync_From_SIP no → 403 and no GET, while its
#     /admin/resync still works;
#   a third unit listening on [::1] (when there is IPv6 loopback) → 200, GET;
#   spasim -v's log names every NOTIFY and never the password or a digest.
# Each unit starts from a state directory seeded with config.xml. Every
# process has a time limit and is killed at exit; ports are free ones on
# 127.0.0.1. Needs sipp, nginx, curl, python3; else skipped (77).
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-sip
SC=$(cd "$(dirname "$0")/sipp" && pwd)

need sipp curl python3 nginx
need_spasim

# wait_until CMD...: up to 10 s for CMD to succeed
wait_until() { for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }

# ---- nginx: profiles by GET, reports by POST (bodies kept on disk) ----------------
N=$T/nginx
NP=$(pick_port tcp)
start_nginx "$N" '$remote_addr "$request" $status body=$request_body_file' "
    server {
        listen 127.0.0.1:$NP;
        root $N/root;
        location /rep/ {
            client_body_in_file_only on;
            proxy_pass http://127.0.0.1:$NP/stored;
        }
        location /stored { return 200 \"stored\n\"; }
    }" || { echo "FAIL - nginx config"; exit 1; }
wait_http "http://127.0.0.1:$NP/" || { echo "FAIL - nginx did not start"; exit 1; }

PW='Sip-Pa55-word'
MA=000e08aabbcc
MB=000e08aabbcd
echo '<flat-profile><GPP_A>from-nginx</GPP_A></flat-profile>' >"$N/root/spa$MA.xml"
echo '<flat-profile><GPP_A>from-nginx</GPP_A></flat-profile>' >"$N/root/spa$MB.xml"

# unit NAME MAC [extra config elements [SIP ADDR:PORT]]: a running spasim with --http and --sip
unit() {
    local name=$1 mac=$2 extra=${3:-} sip=${4:-127.0.0.1:0}
    mkdir -p "$T/$name"
    cat >"$T/$name/config.xml" <<EOF
<flat-profile>
  <Profile_Rule>http://127.0.0.1:$NP/spa\$MA.xml</Profile_Rule>
  <Report_Rule>http://127.0.0.1:$NP/rep/spa\$MA.xml</Report_Rule>
  <Resync_Random_Delay>0</Resync_Random_Delay>
  <Resync_Periodic>0</Resync_Periodic>
  <User_ID_1_>1000</User_ID_1_>
  <Password_1_>$PW</Password_1_>
  $extra
</flat-profile>
EOF
    timeout 120 "$SIM" --model SPA2102 --mac "$mac" --serial 88012BA01234 --state "$T/$name" \
        --http 127.0.0.1:0 --sip "$sip" -v >"$T/$name.out" 2>"$T/$name.err" &
    PIDS+=($!)
    wait_until grep -q '^sip port ' "$T/$name.out" || { cat "$T/$name.err"; echo "FAIL - $name did not start"; exit 1; }
}
http_port() { awk '/^port /{print $2}' "$T/$1.out"; }
sip_port() { awk '/^sip port /{print $3}' "$T/$1.out"; }
gets() { grep -c "\"GET /spa$1.xml HTTP/1.[01]\" 200" "$N/logs/access.log"; }
gets_are() { [ "$(gets "$1")" = "$2" ]; }
status() { curl -s --max-time 5 "http://127.0.0.1:$(http_port "$1")/admin/status"; }
boots() { status "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["boots"])'; }

# sipp_run NAME UNIT SCENARIO EVENT USER PASSWORD [V6]: one NOTIFY call from
# 127.0.0.1 (or [::1] with V6); rc in NAME.rc
sipp_run() {
    local name=$1 lp dest v6=()
    lp=$(pick_port udp)
    dest="127.0.0.1:$(sip_port "$2")"
    if [ -n "${7:-}" ]; then
        dest="[::1]:$(sip_port "$2")"
        # sipp writes the digest uri of an IPv6 peer without brackets: give it
        v6=(-auth_uri "$dest")
    fi
    (cd "$T" && timeout 30 sipp -sf "$SC/$3" -m 1 -timeout 15s -timeout_error -nostdin \
        -i "${7:-127.0.0.1}" -p "$lp" -key event "$4" -au "$5" -ap "$6" "${v6[@]}" \
        -trace_msg -message_file "$T/$name.msg" -trace_err -error_file "$T/$name.sipperr" \
        "$dest") >"$T/$name.sipp" 2>&1
    echo $? >"$T/$name.rc"
}
got() { grep -q "^SIP/2.0 $2 " "$T/$1.msg"; }   # the unit answered NAME with status

# ---- --sip argument errors ------------------------------------------------------------
mkdir -p "$T/argerr"
timeout 20 "$SIM" --model SPA2102 --mac $MA --state "$T/argerr" --sip 127.0.0.1 >"$T/arg1.out" 2>&1
echo $? >"$T/arg1.rc"
check "--sip without a port: exit 1" rc_is arg1 1
check "--sip without a port: says so" has "$T/arg1.out" "--sip: expected ADDR:PORT"
timeout 20 "$SIM" --model SPA2102 --mac $MA --state "$T/argerr" --sip sip.example:5060 >"$T/arg2.out" 2>&1
echo $? >"$T/arg2.rc"
check "--sip with a name: exit 1" rc_is arg2 1
check "--sip with a name: says so" has "$T/arg2.out" "expected an IPv4 or IPv6 address"

# ---- unit A: Resync_From_SIP yes (factory default) ----------------------------------
unit a $MA
check "A: power-up resync fetched the profile" wait_until gets_are $MA 1

sipp_run resync a notify_auth.xml resync 1000 "$PW"
check "NOTIFY resync: sipp saw 401 then 200 (exit 0)" rc_is resync 0
check "NOTIFY resync: challenged with a digest" \
    grep -q '^WWW-Authenticate: Digest realm="SPA-2102", nonce="[0-9a-f]*", algorithm=MD5, qop="auth"' "$T/resync.msg"
check "NOTIFY resync: 200 OK" got resync 200
check "NOTIFY resync: nginx served the profile again" wait_until gets_are $MA 2

sipp_run wrongpw a notify_refused.xml resync 1000 "not-$PW"
check "wrong password: 401 then 403 (exit 0)" rc_is wrongpw 0
check "wrong password: no 200" bash -c "! grep -q '^SIP/2.0 200 ' '$T/wrongpw.msg'"
sleep 1
check "wrong password: no resync (nginx saw no GET)" gets_are $MA 2

sipp_run baduser a notify_refused.xml resync 9999 "$PW"
check "unknown user: 401 then 403 (exit 0)" rc_is baduser 0

check "/admin/resync answers 200" bash -c \
    "curl -s --max-time 5 'http://127.0.0.1:$(http_port a)/admin/resync' | grep -q 'resync requested'"
check "/admin/resync: nginx served the profile again" wait_until gets_are $MA 3

echo '<flat-profile><GPP_B>once</GPP_B></flat-profile>' >"$N/root/once.xml"
check "/admin/resync?URL answers 200" bash -c \
    "curl -s --max-time 5 'http://127.0.0.1:$(http_port a)/admin/resync?http://127.0.0.1:$NP/once.xml' | grep -q 'resync requested'"
check "/admin/resync?URL: nginx served that URL" \
    wait_until grep -q '"GET /once.xml HTTP/1.[01]" 200' "$N/logs/access.log"
check "/admin/resync?URL: its value applied" wait_until has "$T/a/config.xml" '<GPP_B ua="na">once</GPP_B>'

sipp_run badevent a notify_bad_event.xml check-sync 1000 "$PW"
check "unknown event: 489 Bad Event at once (exit 0)" rc_is badevent 0
check "unknown event: Allow-Events lists the four" \
    grep -q '^Allow-Events: resync, report, reboot_now, restart_now' "$T/badevent.msg"

sipp_run report a notify_auth.xml report 1000 "$PW"
check "NOTIFY report: 401 then 200 (exit 0)" rc_is report 0
check "NOTIFY report: the report POST reached nginx" \
    wait_until grep -q "\"POST /rep/spa$MA.xml HTTP/1.[01]\" 200 body=$N/tmp/body/" "$N/logs/access.log"
BODY=$(grep -o "\"POST /rep/spa$MA.xml HTTP/1.[01]\" 200 body=[^ ]*" "$N/logs/access.log" | head -1 | sed 's/.*body=//')
check "report body: the configuration (GPP_A from the profile)" \
    bash -c "[ -n '$BODY' ] && grep -q '<flat-profile' '$BODY' && grep -q 'from-nginx' '$BODY'"
check "report body: no SIP password" bash -c "[ -n '$BODY' ] && ! grep -qF -- '$PW' '$BODY'"

B0=$(boots a)
G0=$(gets $MA)
sipp_run reboot a notify_auth.xml reboot_now 1000 "$PW"
check "NOTIFY reboot_now: 401 then 200 (exit 0)" rc_is reboot 0
check "reboot_now: boots counter +1 ($B0 -> $((B0 + 1)))" wait_until bash -c "[ \"\$(curl -s --max-time 5 http://127.0.0.1:$(http_port a)/admin/status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"total\"][\"boots\"])')\" = $((B0 + 1)) ]"
check "reboot_now: the power-up resync ran (Resync_On_Reset)" wait_until gets_are $MA $((G0 + 1))

sipp_run restart a notify_auth.xml restart_now 1000 "$PW"
check "NOTIFY restart_now: 401 then 200 (exit 0)" rc_is restart 0
check "restart_now: the power-up resync ran again" wait_until gets_are $MA $((G0 + 2))
check "restart_now: boots unchanged (a warm restart)" bash -c "[ \"\$(curl -s --max-time 5 http://127.0.0.1:$(http_port a)/admin/status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"total\"][\"boots\"])')\" = $((B0 + 1)) ]"

# ---- unit B: Resync_From_SIP no ------------------------------------------------------
unit b $MB "<Resync_From_SIP>No</Resync_From_SIP>"
check "B: power-up resync fetched the profile" wait_until gets_are $MB 1
sipp_run nosip b notify_refused.xml resync 1000 "$PW"
check "Resync_From_SIP no: 401 then 403 (exit 0)" rc_is nosip 0
check "Resync_From_SIP no: reason names the refusal" grep -q '^SIP/2.0 403 Forbidden - resync not allowed' "$T/nosip.msg"
sleep 1
check "Resync_From_SIP no: no resync (nginx saw no GET)" gets_are $MB 1
check "Resync_From_SIP no: /admin/resync still works" bash -c \
    "curl -s --max-time 5 'http://127.0.0.1:$(http_port b)/admin/resync' | grep -q 'resync requested'"
check "Resync_From_SIP no: /admin/resync fetched the profile" wait_until gets_are $MB 2

# ---- unit C: the listener on [::1] (when the host has IPv6 loopback) -------------------
MC=000e08aabbce
echo '<flat-profile><GPP_A>from-nginx</GPP_A></flat-profile>' >"$N/root/spa$MC.xml"
if python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
    unit c $MC "" "[::1]:0"
    check "C: power-up resync fetched the profile" wait_until gets_are $MC 1
    sipp_run v6 c notify_auth.xml resync 1000 "$PW" ::1
    check "IPv6: NOTIFY resync over [::1]: 401 then 200 (exit 0)" rc_is v6 0
    check "IPv6: nginx served the profile again" wait_until gets_are $MC 2
else
    echo "# no IPv6 loopback: [::1] checks skipped"
fi

# ---- logs -----------------------------------------------------------------------------
check "log: the authenticated resync" \
    grep -q "SPA2102 00:0e:08:aa:bb:cc -- SIP NOTIFY resync from 127.0.0.1:[0-9]*: authenticated (line 1), 200: resync requested" "$T/a.err"
check "log: the wrong digest" grep -q "SIP NOTIFY resync from .*: 403 user 1000: wrong digest" "$T/a.err"
check "log: Resync_From_SIP refusal" grep -q "resync request refused: Resync_From_SIP is off" "$T/b.err"
check "log: no password" bash -c "! grep -qF -- '$PW' $T/*.err"
RESPONSES=$(cat "$T"/*.msg | grep -o 'response="[0-9a-f]*"' | sed 's/response="//; s/"//' | sort -u)
check "log: no digest response (sipp sent $(echo "$RESPONSES" | wc -w))" bash -c \
    "[ -n '$RESPONSES' ] && for r in $(echo $RESPONSES); do ! grep -q \$r $T/*.err || exit 1; done"

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.err "$T"/*.sipp; do echo "--- $f"; tail -30 "$f"; done
    echo "--- access log"; cat "$N/logs/access.log"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
