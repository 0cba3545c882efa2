#!/bin/bash
# spasim_web.sh — the configuration pages of a running spasim, with curl:
# with Admin_Passwd set every /admin/ URL needs the admin login (none, a
# wrong password or the user's login → 401); the User's page "/" needs
# User_Password, shows rw and ro parameters but not na ones, and never a
# secret (passwords, GPP_SA); the User changes an rw value (seen in
# /admin/spacfg.xml and config.xml, kept across a restart), a ro change is
# refused (403 naming the field), a bad value gets 400 naming the field and
# changes nothing (not even the good field sent with it); the Admin's page
# changes an na parameter; a profile fetched from nginx setting
# Enable_Web_Server No closes the User's page (403) while the Admin keeps
# access. Bounded in time; kills what it starts. Needs nginx and curl.
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-web

need curl nginx
need_spasim

N=$T/nginx
NP=$(pick_port)
start_nginx "$N" '$remote_addr "$request" $status' "    server { listen 127.0.0.1:$NP; root $N/root; }" \
    || { echo "FAIL - nginx config"; exit 1; }
wait_http "http://127.0.0.1:$NP/"

MAC=000e08aabbcc
ADM=adm1n-pw
USR=us3r-pw
echo '<flat-profile><GPP_B>fetched</GPP_B></flat-profile>' >"$N/root/web.xml"
ST=$T/st
mkdir -p "$ST"
cat >"$ST/config.xml" <<EOF
<flat-profile>
  <Profile_Rule>http://127.0.0.1:$NP/web.xml</Profile_Rule>
  <Resync_Periodic>0</Resync_Periodic>
  <Resync_Random_Delay>0</Resync_Random_Delay>
  <Admin_Passwd>$ADM</Admin_Passwd>
  <User_Password>$USR</User_Password>
  <GPP_SA>sa-secret-value</GPP_SA>
  <GPP_A>hidden-from-user</GPP_A>
  <Dial_Plan_1_ ua="ro">(x.)</Dial_Plan_1_>
</flat-profile>
EOF

start_sim() {
    : >"$T/run.out"
    timeout 120 "$SIM" --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$ST" \
        --http 127.0.0.1:0 --seed 1 >"$T/run.out" 2>>"$T/run.err" &
    SPID=$!
    PIDS+=($SPID)
    P=$(port_line "$T/run.out") || { echo "spasim did not start"; cat "$T/run.err"; exit 1; }
}
stop_sim() {
    kill -TERM "$SPID"
    for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
}
# web NAME [curl args...] URLPATH: body in $T/NAME.body, status in $T/NAME.code
web() {
    local name=$1; shift
    local path=${*: -1}
    set -- "${@:1:$(($# - 1))}"
    curl -s --max-time 10 -o "$T/$name.body" -w '%{http_code}' "$@" "http://127.0.0.1:$P$path" \
        >"$T/$name.code" 2>/dev/null
}
code_is() { [ "$(cat "$T/$1.code")" = "$2" ]; }
AADM=(-u "admin:$ADM")
AUSR=(-u "user:$USR")
# wait_resyncs N: until the status shows at least N successful resyncs
wait_resyncs() {
    for _ in $(seq 100); do
        web st "${AADM[@]}" /admin/status
        local k
        k=$(sed -n 's/.*"resync_ok":\([0-9]*\).*/\1/p' "$T/st.body" | head -1)
        [ -n "$k" ] && [ "$k" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

start_sim
check "power-up resync fetched the profile" wait_resyncs 1

# ---- Admin login ----------------------------------------------------------------------
web a1 /admin/status
check "admin: no login → 401" code_is a1 401
check "admin: 401 asks for Basic" bash -c "curl -s -D - -o /dev/null --max-time 5 http://127.0.0.1:$P/admin/spacfg.xml | grep -qi '^WWW-Authenticate: Basic realm=\"SPA2102\"'"
web a2 -u "admin:wrong" /admin/spacfg.xml
check "admin: wrong password → 401" code_is a2 401
web a3 "${AUSR[@]}" /admin/spacfg.xml
check "admin: the user's login → 401" code_is a3 401
web a4 -u "admin:wrong" /admin/resync
check "admin functional URL: wrong password → 401" code_is a4 401
web a5 "${AADM[@]}" /admin/spacfg.xml
check "admin: right password → 200" code_is a5 200
check "spacfg.xml has the fetched value" has "$T/a5.body" '<GPP_B ua="na">fetched</GPP_B>'
check "spacfg.xml: no secret" bash -c "! grep -q -e '$ADM' -e '$USR' -e sa-secret-value '$T/a5.body'"

# ---- User page ---------------------------------------------------------------------------
web u1 /
check "user: no login → 401" code_is u1 401
web u2 -u "user:wrong" /
check "user: wrong password → 401" code_is u2 401
web u3 "${AUSR[@]}" /
check "user: right password → 200" code_is u3 200
check "user page: rw parameter is an input" has "$T/u3.body" '<input type="text" name="Cfwd_No_Ans_Delay_1_" value="20">'
check "user page: ro parameter shown as text" has "$T/u3.body" '<td data-ua="ro"><span id="Dial_Plan_1_">(x.)</span></td>'
check "user page: na parameter not shown" bash -c "! grep -q -e GPP_A -e Profile_Rule -e hidden-from-user '$T/u3.body'"
check "user page: own password is an empty password input" has "$T/u3.body" '<input type="password" name="User_Password" value="">'
check "user page: no secret" bash -c "! grep -q -e '$ADM' -e '$USR' -e sa-secret-value -e GPP_SA '$T/u3.body'"

# rw change
web u4 "${AUSR[@]}" -d 'Cfwd_No_Ans_Delay_1_=33' /
check "user changes an rw value → 200" code_is u4 200
check "user change: page says one parameter changed" has "$T/u4.body" '1 parameter(s) changed'
web u5 "${AADM[@]}" /admin/spacfg.xml
check "user change visible in spacfg.xml" has "$T/u5.body" '<Cfwd_No_Ans_Delay_1_ ua="rw">33</Cfwd_No_Ans_Delay_1_>'
check "user change saved to flash" has "$ST/config.xml" '<Cfwd_No_Ans_Delay_1_ ua="rw">33</Cfwd_No_Ans_Delay_1_>'
# ro change
web u6 "${AUSR[@]}" -d 'Dial_Plan_1_=(9.)' /
check "user changes a ro value → 403" code_is u6 403
check "ro refusal names the field" has "$T/u6.body" 'Dial_Plan_1_: read-only'
# na change
web u7 "${AUSR[@]}" -d 'GPP_A=mine' /
check "user changes an na value → 400 (no such parameter for the User)" code_is u7 400
check "na refusal names the field" has "$T/u7.body" 'GPP_A: no such parameter'
# bad value: atomic
web u8 "${AUSR[@]}" --data-urlencode 'Cfwd_All_Dest_1_=5551234' -d 'Cfwd_No_Ans_Delay_1_=abc' /
check "bad value → 400" code_is u8 400
check "bad value names the field" grep -q '^Cfwd_No_Ans_Delay_1_: ' "$T/u8.body"
web u9 "${AADM[@]}" /admin/spacfg.xml
check "bad value: nothing changed (good field not applied)" has "$T/u9.body" '<Cfwd_All_Dest_1_ ua="rw"></Cfwd_All_Dest_1_>'
check "bad value: old value kept" has "$T/u9.body" '<Cfwd_No_Ans_Delay_1_ ua="rw">33</Cfwd_No_Ans_Delay_1_>'
check "ro/na refusals changed nothing" bash -c "grep -qF '<Dial_Plan_1_ ua=\"ro\">(x.)</Dial_Plan_1_>' '$T/u9.body' && grep -qF '<GPP_A ua=\"na\">hidden-from-user</GPP_A>' '$T/u9.body'"
web u10 "${AUSR[@]}" -H 'Content-Type: text/plain' --data-binary 'x' /
check "user POST that is not a form → 415" code_is u10 415

# ---- Admin page ---------------------------------------------------------------------------
web p1 "${AADM[@]}" /admin/advanced
check "admin page → 200" code_is p1 200
check "admin page shows na parameters" has "$T/p1.body" '<input type="text" name="GPP_A" value="hidden-from-user">'
check "admin page: passwords are empty inputs, GPP_SA absent" bash -c "! grep -q -e '$ADM' -e '$USR' -e sa-secret-value -e GPP_SA '$T/p1.body'"
web p2 "${AADM[@]}" -d 'GPP_A=set+by+admin' /admin/
check "admin changes an na value → 200" code_is p2 200
web p3 "${AADM[@]}" /admin/spacfg.xml
check "admin change visible, ua kept" has "$T/p3.body" '<GPP_A ua="na">set by admin</GPP_A>'
web p4 "${AUSR[@]}" -d 'Admin_Passwd=x' /admin/
check "user login cannot post to the admin page" code_is p4 401

# ---- restart: the change is in flash -------------------------------------------------------
stop_sim
start_sim
check "after restart: power-up resync" wait_resyncs 1
web r1 "${AADM[@]}" /admin/spacfg.xml
check "user change kept across a restart" has "$T/r1.body" '<Cfwd_No_Ans_Delay_1_ ua="rw">33</Cfwd_No_Ans_Delay_1_>'
check "admin change kept across a restart" has "$T/r1.body" '<GPP_A ua="na">set by admin</GPP_A>'
web r2 "${AUSR[@]}" /
check "user page still open" code_is r2 200

# ---- provisioning closes the user's pages -----------------------------------------------------
echo '<flat-profile><Enable_Web_Server>No</Enable_Web_Server></flat-profile>' >"$N/root/web.xml"
web r3 "${AADM[@]}" /admin/resync
check "admin resync requested" code_is r3 200
check "resync with Enable_Web_Server No done" wait_resyncs 2
web r4 "${AUSR[@]}" /
check "user page closed by provisioning → 403" code_is r4 403
web r5 "${AUSR[@]}" -d 'Cfwd_No_Ans_Delay_1_=40' /
check "user POST closed too → 403" code_is r5 403
web r6 "${AADM[@]}" /admin/spacfg.xml
check "admin still has access" code_is r6 200
check "closed page changed nothing" has "$T/r6.body" '<Cfwd_No_Ans_Delay_1_ ua="rw">33</Cfwd_No_Ans_Delay_1_>'
check "no secret on stderr" bash -c "! grep -q -e '$ADM' -e '$USR' -e sa-secret-value '$T/run.err'"
stop_sim

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.code; do echo "--- $f: $(cat "$f") $(head -c 300 "${f%.code}.body")"; done
    echo "--- run.err"; cat "$T/run.err"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
