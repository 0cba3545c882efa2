#!/bin/bash
# spasim_rsyslog.sh — the device's log lines received by a real syslog
# daemon: rsyslogd runs unprivileged in the foreground (imudp on a free
# 127.0.0.1 port, omfile into the temporary folder, no kernel/journal/unix
# socket inputs) and writes "PRI raw-message" per datagram. Three devices
# (three MACs): one whose Syslog_Server = Debug_Server (sent once) resyncs
# successfully, one with only Debug_Server whose resync fails (404), one
# whose Syslog_Server is set by the profile it fetches (so only the success
# line, logged after the profile is applied, reaches the daemon). Every line
# received must equal the model's Log_Resync_* default after macro expansion,
# computed here from the known values ($PN, $MAC, $SCHEME, $SERVIP, $PORT,
# $PATH, $ERR). Needs rsyslogd, nginx, curl; else skipped (77).
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-rsyslog

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
need rsyslogd nginx curl
need_spasim

# ---- rsyslogd -------------------------------------------------------------------------
RP=$(pick_port udp)
mkdir -p "$T/rs"
cat >"$T/rs/rsyslog.conf" <<EOF
global(workDirectory="$T/rs")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$RP")
template(name="spa" type="string" string="%pri% %rawmsg-after-pri%\\n")
action(type="omfile" file="$T/rs/received.log" template="spa")
EOF
timeout 120 "$RSYSLOGD" -n -f "$T/rs/rsyslog.conf" -i "$T/rs/rsyslogd.pid" >"$T/rs/rsyslogd.out" 2>&1 &
PIDS+=($!)
# rsyslogd is up when a probe datagram shows in its output file
for _ in $(seq 50); do
    logger -n 127.0.0.1 -P "$RP" -d --rfc3164 "probe" 2>/dev/null
    grep -q probe "$T/rs/received.log" 2>/dev/null && break
    sleep 0.1
done
grep -q probe "$T/rs/received.log" 2>/dev/null || { echo "FAIL - rsyslogd did not start"; cat "$T/rs/rsyslogd.out"; exit 1; }

# ---- nginx ------------------------------------------------------------------------------
N=$T/nginx
NP=$(pick_port)
start_nginx "$N" '$remote_addr "$request" $status' "    server { listen 127.0.0.1:$NP; root $N/root; }" \
    || { echo "FAIL - nginx config"; exit 1; }
wait_http "http://127.0.0.1:$NP/"
echo '<flat-profile><GPP_A>logged</GPP_A></flat-profile>' >"$N/root/ok.xml"
echo "<flat-profile><Syslog_Server>127.0.0.1:$RP</Syslog_Server></flat-profile>" >"$N/root/setlog.xml"

# device MAC RULE EXTRA: one --once run
device() {
    mkdir -p "$T/$1"
    echo "<flat-profile><Profile_Rule>$2</Profile_Rule>$3</flat-profile>" >"$T/$1/config.xml"
    timeout 60 "$SIM" --model SPA2102 --mac "$1" --serial 88012BA01234 --state "$T/$1" \
        --once --timeout 40 >"$T/$1.json" 2>"$T/$1.err"
}
# The Log_* defaults of SPA2102 (data/models/provisioning.params) with the
# macros expanded: $PN = SPA2102, $MAC = colon form, $SCHEME://$SERVIP:$PORT$PATH.
LOG_REQ='$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH'
LOG_OK='$PN $MAC -- Successful resync $SCHEME://$SERVIP:$PORT$PATH -- $ERR'
LOG_FAIL='$PN $MAC -- Resync failed: $ERR'
expand() { # TEMPLATE MAC PATH ERR
    local mac=$2 colon
    colon=$(echo "$mac" | sed 's/../&:/g; s/:$//')
    local s=$1
    s=${s//\$PN/SPA2102}
    s=${s//\$MAC/$colon}
    s=${s//\$SCHEME/http}
    s=${s//\$SERVIP/127.0.0.1}
    s=${s//\$PORT/$NP}
    s=${s//\$PATH/$3}
    s=${s//\$ERR/$4}
    echo "$s"
}
# received MAC: the lines rsyslogd wrote for that device
received() {
    local colon
    colon=$(echo "$1" | sed 's/../&:/g; s/:$//')
    grep -F " $colon -- " "$T/rs/received.log"
}
wait_lines() { # MAC COUNT
    for _ in $(seq 50); do [ "$(received "$1" | wc -l)" -ge "$2" ] && return 0; sleep 0.1; done
    return 1
}

# 1. success; Syslog_Server = Debug_Server: each line once; local0.info = 134
M1=000e08000001
device $M1 "http://127.0.0.1:$NP/ok.xml" \
    "<Syslog_Server>127.0.0.1:$RP</Syslog_Server><Debug_Server>127.0.0.1:$RP</Debug_Server>"
printf '134 %s\n134 %s\n' "$(expand "$LOG_REQ" $M1 /ok.xml '')" "$(expand "$LOG_OK" $M1 /ok.xml '')" >"$T/exp1"
wait_lines $M1 2
sleep 0.3   # a duplicate, if any, would arrive now
received $M1 >"$T/got1"
check "success: the device applied the profile" has "$T/$M1/config.xml" '<GPP_A ua="na">logged</GPP_A>'
check "success: rsyslogd received exactly the expanded Log_Resync_Request/Success_Msg (once each)" \
    cmp -s "$T/exp1" "$T/got1"

# 2. failure (404) to Debug_Server only; the failure line is local0.err = 131
M2=000e08000002
device $M2 "http://127.0.0.1:$NP/missing.xml" "<Debug_Server>127.0.0.1:$RP</Debug_Server>"
printf '134 %s\n131 %s\n' "$(expand "$LOG_REQ" $M2 /missing.xml '')" \
    "$(expand "$LOG_FAIL" $M2 /missing.xml 'file not found')" >"$T/exp2"
wait_lines $M2 2
received $M2 >"$T/got2"
check "failure: ERR in the JSON" has "$T/$M2.json" '"err":"file not found"'
check "failure: rsyslogd received the expanded Log_Resync_Request/Failure_Msg" cmp -s "$T/exp2" "$T/got2"

# 3. the fetched profile sets Syslog_Server: only the success line reaches it
M3=000e08000003
device $M3 "http://127.0.0.1:$NP/setlog.xml" ""
printf '134 %s\n' "$(expand "$LOG_OK" $M3 /setlog.xml '')" >"$T/exp3"
wait_lines $M3 1
sleep 0.3
received $M3 >"$T/got3"
check "Syslog_Server from the fetched profile: success line received" cmp -s "$T/exp3" "$T/got3"

if [ $FAILS -gt 0 ]; then
    for f in "$T"/exp* "$T"/got* "$T"/*.json "$T"/*.err "$T/rs/received.log" "$T/rs/rsyslogd.out"; do
        echo "--- $f"; cat "$f"
    done
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
