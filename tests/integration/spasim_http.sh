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
T=$(mktemp -d /tmp/spa-spasim-http.XXXXXX)
PIDS=()
. "$(dirname "$0")/lib/assert.sh"

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT


NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for c in openssl curl; do command -v "$c" >/dev/null 2>&1 || { echo "skip: need $c"; exit 77; }; done
[ -x "$NGINX" ] || { echo "skip: need nginx"; exit 77; }
SIM=$(command -v spasim || echo "$BUILD/spasim")
[ -x "$SIM" ] || { echo "spasim not built"; exit 1; }
TOOL=${SPA_TOOLS:-$(dirname "$SIM")/tests/tools}/spa_nettool

# ---- certificates ------------------------------------------------------------------
mkca() { # name CN
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$T/$1.key" -out "$T/$1.pem" -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
mkleaf() { # name ca subject eku [san]
    openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" -subj "$3" 2>/dev/null
    { echo "extendedKeyUsage=$4"; [ -n "${5:-}" ] && echo "subjectAltName=$5"; } >"$T/$1.ext"
    openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2.key" -CAcreateserial \
        -days 2 -out "$T/$1.pem" -extfile "$T/$1.ext" 2>/dev/null
}
mkca ca "Test Linksys CA"
mkca rogueca "Some Other CA"
mkleaf srv ca "/CN=localhost" serverAuth "DNS:localhost,IP:127.0.0.1"
mkleaf wrongcn ca "/CN=wrong.example" serverAuth "DNS:localhost,IP:127.0.0.1"
mkleaf roguesrv rogueca "/CN=localhost" serverAuth "DNS:localhost,IP:127.0.0.1"
mkleaf dev ca "/C=US/ST=000e08aabbcc/L=88012BA01234/O=Linksys/OU=SPA2102/CN=SPA2102-88012BA01234" clientAuth
for f in ca srv wrongcn roguesrv dev; do
    [ -s "$T/$f.pem" ] || { echo "could not make certificate $f"; exit 1; }
done

# ---- nginx ----------------------------------------------------------------------------
pick_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}
N=$T/nginx
mkdir -p "$N/logs" "$N/root" "$N/tmp"
NP=$(pick_port); NS=$(pick_port); NW=$(pick_port); NR=$(pick_port)
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
cat >"$N/nginx.conf" <<EOF
$USER_LINE
daemon off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/logs/error.log info;
events { worker_connections 64; }
http {
    log_format spa '\$remote_addr "\$request" \$status ua="\$http_user_agent" dn="\$ssl_client_s_dn" verify=\$ssl_client_verify';
    access_log $N/logs/access.log spa;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    server {
        listen 127.0.0.1:$NP;
        root $N/root;
        location = /err.cfg { return 500; }
    }
    server {
        listen 127.0.0.1:$NS ssl;
        ssl_certificate $T/srv.pem;
        ssl_certificate_key $T/srv.key;
        ssl_client_certificate $T/ca.pem;
        ssl_verify_client on;
        root $N/root;
    }
    server {
        listen 127.0.0.1:$NW ssl;
        ssl_certificate $T/wrongcn.pem;
        ssl_certificate_key $T/wrongcn.key;
        root $N/root;
    }
    server {
        listen 127.0.0.1:$NR ssl;
        ssl_certificate $T/roguesrv.pem;
        ssl_certificate_key $T/roguesrv.key;
        root $N/root;
    }
}
EOF
"$NGINX" -t -c "$N/nginx.conf" -p "$N" >"$T/nginx-t.log" 2>&1 || { cat "$T/nginx-t.log"; echo "FAIL - nginx config"; exit 1; }
"$NGINX" -c "$N/nginx.conf" -p "$N" >"$T/nginx.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NP/" && break; sleep 0.1; done

MAC=000e08aabbcc
echo '<flat-profile><GPP_A>over-http</GPP_A></flat-profile>' >"$N/root/spa$MAC.xml"
# first address of prov.test is dead (nothing listens on 127.0.0.2), the second answers
printf '127.0.0.2 prov.test\n127.0.0.1 prov.test\n' >"$T/hosts"

# device NAME RULE [extra config elements] -- [spasim args]
device() {
    local name=$1 rule=$2 extra=${3:-}
    shift 3
    mkdir -p "$T/$name"
    echo "<flat-profile><Profile_Rule>$rule</Profile_Rule>$extra</flat-profile>" >"$T/$name/config.xml"
    timeout 60 "$SIM" --model SPA2102 --mac $MAC --serial 88012BA01234 --state "$T/$name" \
        --hosts "$T/hosts" --once --timeout 40 "$@" >"$T/$name.json" 2>"$T/$name.err"
    echo $? >"$T/$name.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }

# ---- 1. HTTP GET, User-Agent, redundant addresses, syslog -----------------------------
SLP=0
if [ -x "$TOOL" ]; then
    "$TOOL" syslog-recv 0 2 30 >"$T/syslog.out" 2>"$T/syslog.err" &
    SLPID=$!
    PIDS+=($SLPID)
    for _ in $(seq 50); do
        SLP=$(awk '/^port /{print $2; exit}' "$T/syslog.out" 2>/dev/null)
        [ -n "$SLP" ] && break
        sleep 0.1
    done
fi
device d1 "http://prov.test:$NP/spa\$MA.xml" "<Syslog_Server>127.0.0.1:${SLP:-0}</Syslog_Server>"
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
device d2 "http://127.0.0.1:$NP/err.cfg" "<GPP_A>old</GPP_A>" --
check "HTTP 500: exit 1" rc_is d2 1
check "HTTP 500: ERR http_get failed" has "$T/d2.json" '"err":"http_get failed"'
check "HTTP 500: old value kept" has "$T/d2/config.xml" '<GPP_A ua="na">old</GPP_A>'
device d3 "http://127.0.0.1:$NP/missing.cfg" "<GPP_A>old</GPP_A>" --
check "HTTP 404: exit 1" rc_is d3 1
check "HTTP 404: ERR file not found" has "$T/d3.json" '"err":"file not found"'
check "HTTP 404: old value kept" has "$T/d3/config.xml" '<GPP_A ua="na">old</GPP_A>'

# ---- 3. HTTPS ---------------------------------------------------------------------------
TLS=(--ca "$T/ca.pem" --cert "$T/dev.pem" --key "$T/dev.key")
device h1 "https://localhost:$NS/spa\$MA.xml" "" "${TLS[@]}"
check "HTTPS with client certificate: exit 0" rc_is h1 0
check "HTTPS: profile applied" has "$T/h1/config.xml" '<GPP_A ua="na">over-http</GPP_A>'
check "nginx verified the device certificate" \
    grep -q 'dn="CN=SPA2102-88012BA01234,OU=SPA2102,O=Linksys,L=88012BA01234,ST=000e08aabbcc,C=US" verify=SUCCESS' "$N/logs/access.log"
device h2 "https://localhost:$NW/spa\$MA.xml" "" "${TLS[@]}"
check "HTTPS server with the wrong CN refused" has "$T/h2.json" '"err":"ssl handshake failed"'
device h3 "https://localhost:$NR/spa\$MA.xml" "" "${TLS[@]}"
check "HTTPS server from another CA refused" has "$T/h3.json" '"err":"ssl handshake failed"'
device h4 "https://localhost:$NS/spa\$MA.xml" "" --ca "$T/ca.pem"
check "HTTPS without a client certificate: nginx says 400" has "$T/h4.json" '"err":"http_get failed"'
check "HTTPS failures: exit 1" bash -c "[ \$(cat $T/h2.rc $T/h3.rc $T/h4.rc | tr -d '\n') = 111 ]"

if [ $FAILS -gt 0 ]; then
    for f in "$T"/*.json "$T"/*.err "$T/syslog.out"; do echo "--- $f"; cat "$f"; done
    echo "--- access log"; cat "$N/logs/access.log"
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all passed"
