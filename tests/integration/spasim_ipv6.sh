#!/bin/bash
# spasim_ipv6.sh — spasim's transports over IPv6 loopback: an HTTP
# Profile_Rule naming [::1]:PORT against nginx listening on [::1] (nginx
# logs the client as ::1 with the SPA User-Agent; $SERVIP in the success
# line is ::1), a --hosts name whose first address (127.0.0.2) is dead and
# whose second is ::1, TFTP through --dhcp-tftp [::1]:PORT against tftpd-hpa
# bound to [::1], syslog to Syslog_Server [::1]:PORT, and the admin web
# server on --http [::1]:0 taking /admin/resync?http://[::1]:PORT/...
# Skipped (77) without ::1 or nginx/in.tftpd/curl/python3. Bounded in time;
# kills what it starts.
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-ipv6

need curl python3 nginx in.tftpd
need_spasim

NP=$(pick6 STREAM)   # no ::1 → skip
[ -n "$NP" ] || { echo "skip: no ::1 on this machine"; exit 77; }
TP=$(pick6 DGRAM)
SP=$(pick6 DGRAM)

# ---- nginx on [::1] -------------------------------------------------------------------
N=$T/nginx
start_nginx "$N" '$remote_addr "$request" $status ua="$http_user_agent"' \
    "    server { listen [::1]:$NP; root $N/root; }" || { echo "FAIL - nginx config"; exit 1; }
wait_http "http://[::1]:$NP/"

# ---- tftpd-hpa on [::1] -----------------------------------------------------------------
ROOT=$T/tftp
mkdir -p "$ROOT"
start_tftpd "[::1]:$TP" "$ROOT" --secure || { echo "FAIL - in.tftpd did not start"; exit 1; }

# ---- a syslog receiver on [::1] (one datagram per line) ----------------------------------
cat >"$T/recv6.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::1", int(sys.argv[1])))
s.settimeout(0.5)
open(sys.argv[3] + ".ready", "w").close()
end = time.time() + float(sys.argv[2])
with open(sys.argv[3], "a") as out:
    while time.time() < end:
        try:
            data, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        out.write("%s %s\n" % (peer[0], data.decode("ascii", "replace")))
        out.flush()
EOF
: >"$T/syslog6.out"
python3 "$T/recv6.py" "$SP" 60 "$T/syslog6.out" &
PIDS+=($!)
for _ in $(seq 100); do [ -e "$T/syslog6.out.ready" ] && break; sleep 0.1; done

MAC=000e08aabbcc
echo '<flat-profile><GPP_A>over-ipv6-http</GPP_A></flat-profile>' >"$N/root/spa$MAC.xml"
echo '<flat-profile><GPP_B>over-ipv6-tftp</GPP_B></flat-profile>' >"$ROOT/spa2102.cfg"
echo '<flat-profile><GPP_C>admin-url-ipv6</GPP_C></flat-profile>' >"$N/root/admin.xml"
printf '127.0.0.2 v6.test\n::1 v6.test\n' >"$T/hosts"


# 1. literal [::1]:PORT in the rule, syslog to [::1]
sim_once d1 "http://[::1]:$NP/spa\$MA.xml" "<Syslog_Server>[::1]:$SP</Syslog_Server>"
check "HTTP over [::1]: exit 0" rc_is d1 0
check "HTTP over [::1]: profile applied" has "$T/d1/config.xml" '<GPP_A ua="na">over-ipv6-http</GPP_A>'
check "nginx saw the device on ::1 with its User-Agent" \
    has "$N/logs/access.log" "::1 \"GET /spa$MAC.xml HTTP/1.1\" 200 ua=\"Linksys/SPA-2102-5.1.10 (88012BA01234)\""
for _ in $(seq 30); do grep -q 'Successful resync' "$T/syslog6.out" && break; sleep 0.1; done
check "syslog datagrams from ::1 to [::1]:PORT" grep -q "^::1 <1[0-9][0-9]>" "$T/syslog6.out"
# Log_Request_Msg is \$SCHEME://\$SERVIP:\$PORT\$PATH: the macro text, no brackets
check "syslog: request line, \$SERVIP is ::1" \
    grep -q "Requesting resync http://::1:$NP/spa$MAC.xml" "$T/syslog6.out"
check "syslog: success line, \$SERVIP is ::1" grep -q "Successful resync http://::1:$NP/spa$MAC.xml" "$T/syslog6.out"

# 2. hosts file: dead IPv4 first, ::1 second
sim_once d2 "http://v6.test:$NP/spa\$MA.xml" ""
check "hosts name: IPv4 dead, ::1 answers: exit 0" rc_is d2 0
check "hosts name: profile applied" has "$T/d2/config.xml" '<GPP_A ua="na">over-ipv6-http</GPP_A>'

# 3. TFTP via DHCP option 66 [::1]:PORT (factory rule /spa$PSN.cfg)
mkdir -p "$T/d3"
timeout 60 "$SIM" --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$T/d3" \
    --dhcp-tftp "[::1]:$TP" --once --timeout 40 --tftp-timeout 200 >"$T/d3.json" 2>"$T/d3.err"
echo $? >"$T/d3.rc"
check "TFTP via --dhcp-tftp [::1]:PORT: exit 0" rc_is d3 0
check "TFTP over [::1]: profile applied" has "$T/d3/config.xml" '<GPP_B ua="na">over-ipv6-tftp</GPP_B>'

# 4. admin URL with an IPv6 server
mkdir -p "$T/d4"
echo '<flat-profile><Profile_Rule></Profile_Rule></flat-profile>' >"$T/d4/config.xml"
timeout 60 "$SIM" --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$T/d4" \
    --http "[::1]:0" >"$T/d4.out" 2>"$T/d4.err" &
SPID=$!
PIDS+=($SPID)
AP=""
AP=$(port_line "$T/d4.out")
curl -g -s --max-time 5 -o "$T/d4.req" "http://[::1]:$AP/admin/resync?http://%5B::1%5D:$NP/admin.xml"
check "admin web on --http [::1]:0: resync with [::1] accepted" has "$T/d4.req" 'resync requested'
for _ in $(seq 50); do grep -q GPP_C "$T/d4/config.xml" 2>/dev/null && break; sleep 0.1; done
check "admin resync over [::1]: value applied" has "$T/d4/config.xml" '<GPP_C ua="na">admin-url-ipv6</GPP_C>'
kill -TERM $SPID

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.json "$T"/*.err "$T/syslog6.out" "$T/tftpd.log"; do echo "--- $f"; cat "$f"; done
    echo "--- access log"; cat "$N/logs/access.log"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
