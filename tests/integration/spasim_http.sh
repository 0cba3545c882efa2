#!/bin/bash
# spasim_http.sh — spasim against nginx on 127.0.0.1: an HTTP GET whose
# User-Agent "Linksys/SPA-2102-5.1.10 (88012BA01234)" shows in nginx's access
# log, a --hosts name whose first address is dead (the second answers), the
# engine's log lines received over syslog (Syslog_Server), HTTP 404 and 500
# (old configuration kept, ERR in the JSON), and HTTPS: a valid client
# certificate gets the profile under ssl_verify_client on; a server with the
# wrong CN or from another CA is refused by spasim; no client certificate is
# refused by nginx. Each device starts from a state directory seeded with a
# config.xml (the device's flash). Every process started here has a time
# limit and is killed at exit. Needs nginx, openssl, curl; else skipped (77).
set -u

BUILD=${SPA_BUILD:-}
. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init spasim-http

need openssl curl nginx
need_spasim
TOOL=${SPA_TOOLS:-$(dirname "$SIM")/tests/tools}/spa_nettool

# ---- certificates ------------------------------------------------------------------
test_pki || exit 1

# ---- nginx ----------------------------------------------------------------------------
N=$T/nginx
read -r NP NS NW NR < <(pick_ports tcp tcp tcp tcp)
start_nginx "$N" '$remote_addr "$request" $status ua="$http_user_agent" dn="$ssl_client_s_dn" verify=$ssl_client_verify' "
    server {
        listen 127.0.0.1:$NP;
        root $N/root;
        location = /err.cfg { return 500; }
    }
$(tls_servers "$NS" "$NW" "$NR")" || { echo "FAIL - nginx config"; exit 1; }
wait_http "http://127.0.0.1:$NP/"

MAC=000e08aabbcc
echo '<flat-profile><GPP_A>over-http</GPP_A></flat-profile>' >"$N/root/spa$MAC.xml"
# first address of prov.test is dead (nothing listens on 127.0.0.2), the second answers
printf '127.0.0.2 prov.test\n127.0.0.1 prov.test\n' >"$T/hosts"


# ---- 1. HTTP GET, User-Agent, redundant addresses, syslog -----------------------------
SLP=0
if [ -x "$TOOL" ]; then
    "$TOOL" syslog-recv 0 2 30 >"$T/syslog.out" 2>"$T/syslog.err" &
    SLPID=$!
    PIDS+=($SLPID)
    SLP=$(port_line "$T/syslog.out")
fi
sim_once d1 "http://prov.test:$NP/spa\$MA.xml" "<Syslog_Server>127.0.0.1:${SLP:-0}</Syslog_Server>"
check "HTTP GET: exit 0" rc_is d1 0
check "HTTP GET: profile applied" has "$T/d1/config.xml" '<GPP_A ua="na">over-http</GPP_A>'
check "nginx access log shows the SPA User-Agent" \
    has "$N/logs/access.log" "\"GET /spa$MAC.xml HTTP/1.1\" 200 ua=\"Linksys/SPA-2102-5.1.10 (88012BA01234)\""
if [ -x "$TOOL" ] && [ -n "$SLP" ] && [ "$SLP" != 0 ]; then
    for _ in $(seq 50); do [ "$(grep -c '^fmt=' "$T/syslog.out")" -ge 2 ] && break; sleep 0.1; done
    check "syslog: resync request line received" \
        grep -q "mac=$MAC .*msg=.*Requesting resync http://prov.test:$NP/spa$MAC.xml" "$T/syslog.out"
    # the success line carries $SERVIP: the second address answered
    check "syslog: success line names the address that answered (local0.info)" \
        grep -q "pri=134 .*Successful resync http://127.0.0.1:$NP/spa$MAC.xml" "$T/syslog.out"
else
    echo "# spa_nettool missing: syslog checks skipped"
fi

# ---- 2. HTTP errors: old configuration kept ------------------------------------------
sim_once d2 "http://127.0.0.1:$NP/err.cfg" "<GPP_A>old</GPP_A>" --
check "HTTP 500: exit 1" rc_is d2 1
check "HTTP 500: ERR http_get failed" has "$T/d2.json" '"err":"http_get failed"'
check "HTTP 500: old value kept" has "$T/d2/config.xml" '<GPP_A ua="na">old</GPP_A>'
sim_once d3 "http://127.0.0.1:$NP/missing.cfg" "<GPP_A>old</GPP_A>" --
check "HTTP 404: exit 1" rc_is d3 1
check "HTTP 404: ERR file not found" has "$T/d3.json" '"err":"file not found"'
check "HTTP 404: old value kept" has "$T/d3/config.xml" '<GPP_A ua="na">old</GPP_A>'

# ---- 3. HTTPS ---------------------------------------------------------------------------
TLS=(--ca "$T/ca.pem" --cert "$T/dev.pem" --key "$T/dev.key")
sim_once h1 "https://localhost:$NS/spa\$MA.xml" "" "${TLS[@]}"
check "HTTPS with client certificate: exit 0" rc_is h1 0
check "HTTPS: profile applied" has "$T/h1/config.xml" '<GPP_A ua="na">over-http</GPP_A>'
check "nginx verified the device certificate" \
    grep -q 'dn="CN=SPA2102-88012BA01234,OU=SPA2102,O=Linksys,L=88012BA01234,ST=000e08aabbcc,C=US" verify=SUCCESS' "$N/logs/access.log"
sim_once h2 "https://localhost:$NW/spa\$MA.xml" "" "${TLS[@]}"
check "HTTPS server with the wrong CN refused" has "$T/h2.json" '"err":"ssl handshake failed"'
sim_once h3 "https://localhost:$NR/spa\$MA.xml" "" "${TLS[@]}"
check "HTTPS server from another CA refused" has "$T/h3.json" '"err":"ssl handshake failed"'
sim_once h4 "https://localhost:$NS/spa\$MA.xml" "" --ca "$T/ca.pem"
check "HTTPS without a client certificate: nginx says 400" has "$T/h4.json" '"err":"http_get failed"'
check "HTTPS failures: exit 1" bash -c "[ \$(cat $T/h2.rc $T/h3.rc $T/h4.rc | tr -d '\n') = 111 ]"

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.json "$T"/*.err "$T/syslog.out"; do echo "--- $f"; cat "$f"; done
    echo "--- access log"; cat "$N/logs/access.log"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
