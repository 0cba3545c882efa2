#!/usr/bin/env bash
# http_peers.sh — the HTTP/HTTPS module against real peers on 127.0.0.1,
# every step bounded in time:
#   * our server (tests/tools/spa_httptool serve) against curl: GET, POST,
#     keep-alive (two requests, one connection), Range -> 206 with the right
#     bytes, 416, If-None-Match -> 304, HTTPS with a required client
#     certificate (valid -> 200 + device identified from the subject; none or
#     another CA's -> handshake refused), and openssl s_client: TLS 1.2/1.3
#     by default, TLS 1.0/1.1 refused unless the opt-in legacy list is on;
#   * our client (spa_httptool fetch) against nginx: GET with the SPA
#     User-Agent in nginx's access log, PUT body stored by nginx's dav
#     module, HTTPS with ssl_verify_client on (valid certificate -> 200,
#     certificate from another CA -> 400), servers with the wrong CN or from
#     the wrong CA refused, first A record dead -> second used.
# Certificates are made with the openssl CLI, independently of lib/tls.c.
# Needs: curl, openssl, nginx (Debian: nginx-core, installed here when
# missing and apt-get is usable), a C compiler. Exit 77 when a peer is
# missing.
set -u
SRC=${SPA_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${SPA_BUILD:-}
[ -n "$BUILD" ] && [ -f "$BUILD/libspaprov.a" ] || { echo "SPA_BUILD with libspaprov.a needed"; exit 1; }
for t in curl openssl cc pkg-config timeout; do
    command -v $t >/dev/null || { echo "no $t: skipped"; exit 77; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "# installing nginx-core"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 240 apt-get install -y -qq nginx-core) >/dev/null 2>&1
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi

. "$(dirname "$0")/lib/assert.sh"
. "$(dirname "$0")/lib/peers.sh"
peers_init http-peers

# ---- the helper program ------------------------------------------------------
TOOL=${SPA_TOOLS:-$BUILD/tests/tools}/spa_httptool
[ -x "$TOOL" ] || { echo "spa_httptool not built ($TOOL)"; exit 1; }

# ---- certificates (openssl CLI) --------------------------------------------------
test_pki || exit 1
mkleaf roguedev rogueca "/ST=000e08aabbcc/L=88012BA01234/OU=SPA2102/CN=SPA2102" rsa:2048 clientAuth
[ -s "$T/roguedev.pem" ] || { echo "could not make certificate roguedev"; exit 1; }

UA='Linksys/SPA-2102-5.1.10 (88012BA01234)'
head -c 100000 /dev/urandom > "$T/fw.bin"

# start_server NAME SECONDS ARGS... : sets PORT
start_server() {
    local name=$1; shift
    "$TOOL" serve "$1" "$T/$name.port" "${@:2}" > "$T/$name.log" 2> "$T/$name.err" &
    PIDS+=($!)
    for _ in $(seq 50); do [ -s "$T/$name.port" ] && break; sleep 0.1; done
    PORT=$(cat "$T/$name.port" 2>/dev/null)
    [ -n "$PORT" ] || { echo "server $name did not start"; cat "$T/$name.err"; exit 1; }
}
C() { curl -sS --max-time 10 "$@"; }

# ---- 1. our server against curl (HTTP) ---------------------------------------------
start_server http 120 --file "$T/fw.bin"
P=$PORT
out=$(C -A "$UA" "http://127.0.0.1:$P/spa000e08aabbcc.cfg?x=1")
check "GET answered" grep -q '^REQ GET /spa000e08aabbcc.cfg?x=1 ' <<<"$out"
check "server parsed the User-Agent and the MAC" \
    grep -q "ua=$UA dev=SPA2102/5.1.10/88012BA01234 mac=000e08aabbcc peer=127.0.0.1" <<<"$out"
out=$(C -A "$UA" -d 'Product=SPA2102;MAC=000e08aabbcc' "http://127.0.0.1:$P/cfg?Linksys000E08AABBCC")
check "POST body reached the handler" grep -q 'body=Product=SPA2102;MAC=000e08aabbcc$' <<<"$out"
check "MAC found in \$MAU form in the query" grep -q 'mac=000e08aabbcc' <<<"$out"
C -v "http://127.0.0.1:$P/a" "http://127.0.0.1:$P/b" > "$T/ka.out" 2> "$T/ka.err"
check "keep-alive: both answered" test "$(grep -c '^REQ GET /[ab] ' "$T/ka.out")" = 2
check "keep-alive: second request reused the connection" grep -qi 're-using existing connection' "$T/ka.err"
check "keep-alive: one TCP connection" test "$(grep -c 'Connected to 127.0.0.1' "$T/ka.err")" = 1
C -o "$T/full.bin" -D "$T/full.h" "http://127.0.0.1:$P/fw.bin"
check "firmware served whole" cmp -s "$T/full.bin" "$T/fw.bin"
ETAG=$(tr -d '\r' < "$T/full.h" | sed -n 's/^ETag: //Ip')
check "ETag present" test -n "$ETAG"
code=$(C -o "$T/part.bin" -w '%{http_code}' -D "$T/part.h" -r 1000-1999 "http://127.0.0.1:$P/fw.bin")
check "Range -> 206" test "$code" = 206
dd if="$T/fw.bin" of="$T/want.bin" bs=1000 skip=1 count=1 status=none
check "Range bytes are right" cmp -s "$T/part.bin" "$T/want.bin"
check "Content-Range header" grep -q "Content-Range: bytes 1000-1999/100000" <(tr -d '\r' < "$T/part.h")
code=$(C -o "$T/tail.bin" -w '%{http_code}' -H 'Range: bytes=-10' "http://127.0.0.1:$P/fw.bin")
tail -c 10 "$T/fw.bin" > "$T/want.bin"
check "suffix Range -> 206 with the last 10 bytes" sh -c "[ $code = 206 ] && cmp -s '$T/tail.bin' '$T/want.bin'"
code=$(C -o /dev/null -w '%{http_code}' -H 'Range: bytes=200000-' "http://127.0.0.1:$P/fw.bin")
check "Range past the end -> 416" test "$code" = 416
code=$(C -o "$T/nm.bin" -w '%{http_code}' -H "If-None-Match: $ETAG" "http://127.0.0.1:$P/fw.bin")
check "If-None-Match -> 304, no body" sh -c "[ $code = 304 ] && [ ! -s '$T/nm.bin' ]"
code=$(C -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "http://127.0.0.1:$P/fw.bin")
check "other ETag -> 200" test "$code" = 200
code=$(C -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$P/fw.bin")
check "HEAD -> 200" test "$code" = 200
code=$(C -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$P/fw.bin")
check "DELETE refused" test "$code" = 405 -o "$code" = 501

# ---- 2. our server over HTTPS with a required client certificate ---------------------
start_server https 120 --tls "$T/srv.pem" "$T/srv.key" --client-ca "$T/ca.pem" --require-cert
PS=$PORT
out=$(C --cacert "$T/ca.pem" --cert "$T/dev.pem" --key "$T/dev.key" -A "$UA" \
      "https://localhost:$PS/spa.cfg" 2> "$T/c1.err")
check "HTTPS with a valid client certificate -> answered" grep -q '^REQ GET /spa.cfg ' <<<"$out"
check "device identified from the certificate subject" \
    grep -q 'cert=SPA2102/88012BA01234/000e08aabbcc/unique' <<<"$out"
# TLS 1.2: the refusal is an alert inside the handshake (curl exit 35);
# TLS 1.3: the client finishes first, then gets the alert or a reset.
refused() { # label args...
    local label=$1; shift
    C "$@" --tls-max 1.2 "https://localhost:$PS/spa.cfg" > "$T/r.out" 2> "$T/r.err"; local rc=$?
    check "$label over TLS 1.2 -> handshake refused (curl exit $rc, alert)" \
        sh -c "[ $rc = 35 ] && grep -qi alert '$T/r.err' && [ ! -s '$T/r.out' ]"
    C "$@" "https://localhost:$PS/spa.cfg" > "$T/r.out" 2> "$T/r.err"; rc=$?
    check "$label over TLS 1.3 -> refused (curl exit $rc)" sh -c "[ $rc != 0 ] && [ ! -s '$T/r.out' ]"
}
refused "HTTPS without a client certificate" --cacert "$T/ca.pem"
refused "HTTPS with another CA's client certificate" --cacert "$T/ca.pem" \
    --cert "$T/roguedev.pem" --key "$T/roguedev.key"
check "server log holds only the one identified request" test "$(grep -c '^REQ' "$T/https.log")" = 1

# openssl s_client: protocol versions
sc() { timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername localhost \
         -CAfile "$T/ca.pem" -cert "$T/dev.pem" -key "$T/dev.key" "${@:2}" < /dev/null 2>&1; }
out=$(sc "$PS" -tls1_2)
check "s_client: TLS 1.2 negotiated" grep -Eq 'Protocol *: TLSv1.2|TLSv1.2, Cipher' <<<"$out"
out=$(sc "$PS")
check "s_client: default is TLS 1.3" grep -Eq 'TLSv1.3' <<<"$out"
for v in tls1 tls1_1; do
    sc "$PS" -$v -cipher 'DEFAULT:@SECLEVEL=0' > "$T/sc-$v.out"
    check "s_client: $v refused by default (protocol-version alert)" \
        grep -q 'alert protocol version' "$T/sc-$v.out"
    check "s_client: $v: no cipher negotiated" grep -q 'Cipher is (NONE)' "$T/sc-$v.out"
done
start_server legacy 120 --tls "$T/srv.pem" "$T/srv.key" --legacy
PL=$PORT
for c in AES256-SHA AES128-SHA DHE-RSA-AES256-SHA DHE-RSA-AES128-SHA; do
    out=$(timeout 10 openssl s_client -connect "127.0.0.1:$PL" -tls1 -cipher "$c:@SECLEVEL=0" -CAfile "$T/ca.pem" < /dev/null 2>&1)
    check "legacy opt-in: TLS 1.0 with $c (guide Table 1-2)" grep -Eq "Cipher *: $c\$" <<<"$out"
done
timeout 10 openssl s_client -connect "127.0.0.1:$PS" -tls1_2 -cipher 'AES128-SHA' \
    -cert "$T/dev.pem" -key "$T/dev.key" -CAfile "$T/ca.pem" < /dev/null > "$T/sc-leg.out" 2>&1
check "default server refuses the legacy suites" grep -q 'Cipher is (NONE)' "$T/sc-leg.out"

# ---- 3. our client against our server (POST) ------------------------------------------
"$TOOL" fetch -X POST -T text/plain -d 'report=ok' -H "User-Agent: $UA" \
    "http://127.0.0.1:$P/rep/000e08aabbcc.xml" > "$T/f1.out" 2> "$T/f1.err"
check "client POST: body seen by the server" grep -q '^REQ POST /rep/000e08aabbcc.xml .*body=report=ok$' "$T/http.log"

# ---- 4. our client against nginx -------------------------------------------------------
if [ ! -x "$NGINX" ]; then
    echo "no nginx: nginx part skipped"
    [ $FAILS = 0 ] && exit 77 || exit 1
fi
N=$T/nginx
mkdir -p "$N/logs" "$N/root" "$N/dav" "$N/tmp"
echo '<flat-profile><Resync_Periodic>3600</Resync_Periodic></flat-profile>' > "$N/root/spa000e08aabbcc.xml"
read -r NP NS NW NR < <(pick_ports tcp tcp tcp tcp)
start_nginx "$N" '$remote_addr "$request" $status ua="$http_user_agent" dn="$ssl_client_s_dn" verify=$ssl_client_verify' "
    server {
        listen 127.0.0.1:$NP;
        root $N/root;
        location /dav/ { root $N; dav_methods PUT; create_full_put_path on; }
    }
$(tls_servers "$NS" "$NW" "$NR")" || { bad "nginx config"; exit 1; }
wait_http "http://127.0.0.1:$NP/"

F() { "$TOOL" fetch --timeout 10000 "$@"; }
F -H "User-Agent: $UA" -o "$T/n1.xml" "http://127.0.0.1:$NP/spa000e08aabbcc.xml" 2> "$T/n1.err"
check "nginx GET: status 200" grep -q '^status=200 error=ok' "$T/n1.err"
check "nginx GET: body" cmp -s "$T/n1.xml" "$N/root/spa000e08aabbcc.xml"
check "nginx access log shows the SPA User-Agent" \
    grep -q "\"GET /spa000e08aabbcc.xml HTTP/1.1\" 200 ua=\"$UA\"" "$N/logs/access.log"
F -X PUT -T application/xml -d '<report mac="000e08aabbcc"/>' -H "User-Agent: $UA" \
    "http://127.0.0.1:$NP/dav/rep/000e08aabbcc.xml" 2> "$T/n2.err" > /dev/null
check "nginx PUT: created" grep -Eq '^status=20[14] error=ok' "$T/n2.err"
check "nginx stored the PUT body" test "$(cat "$N/dav/rep/000e08aabbcc.xml" 2>/dev/null)" = '<report mac="000e08aabbcc"/>'
F -o /dev/null "http://127.0.0.1:$NP/nothere.cfg" 2> "$T/n3.err"
check "nginx 404 is a response, not a transport error" grep -q '^status=404 error=ok' "$T/n3.err"

# HTTPS with ssl_verify_client on
F --ca "$T/ca.pem" --cert "$T/dev.pem" --key "$T/dev.key" -H "User-Agent: $UA" -o "$T/s1.xml" \
    "https://localhost:$NS/spa000e08aabbcc.xml" 2> "$T/s1.err"
check "nginx HTTPS with a valid client certificate -> 200" grep -q '^status=200 error=ok' "$T/s1.err"
check "... profile received" cmp -s "$T/s1.xml" "$N/root/spa000e08aabbcc.xml"
check "nginx saw the device's certificate" grep -q 'dn="CN=SPA2102-88012BA01234,OU=SPA2102,O=Linksys,L=88012BA01234,ST=000e08aabbcc,C=US" verify=SUCCESS' "$N/logs/access.log"
F --ca "$T/ca.pem" --cert "$T/roguedev.pem" --key "$T/roguedev.key" -o /dev/null \
    "https://localhost:$NS/spa000e08aabbcc.xml" 2> "$T/s2.err"
check "nginx rejects a client certificate from another CA (400)" grep -q '^status=400 ' "$T/s2.err"
F --ca "$T/ca.pem" -o /dev/null "https://localhost:$NS/spa000e08aabbcc.xml" 2> "$T/s3.err"
check "nginx rejects a client without a certificate (400)" grep -q '^status=400 ' "$T/s3.err"

# the device refuses wrong servers
F --ca "$T/ca.pem" --cert "$T/dev.pem" --key "$T/dev.key" -o "$T/w1" \
    "https://localhost:$NW/spa000e08aabbcc.xml" 2> "$T/w1.err"
check "server certificate with the wrong CN refused" grep -q 'error=tls verify=cn-mismatch' "$T/w1.err"
check "... naming the CN" grep -q 'CN=wrong.example' "$T/w1.err"
check "... and nothing written" test ! -s "$T/w1"
F --ca "$T/ca.pem" -o /dev/null "https://localhost:$NR/spa000e08aabbcc.xml" 2> "$T/w2.err"
check "server certificate from the wrong CA refused" grep -q 'error=tls verify=chain' "$T/w2.err"
F --ca "$T/ca.pem" -o /dev/null "https://127.0.0.1:$NW/spa000e08aabbcc.xml" 2> "$T/w3.err"
check "IP-literal host against a CN naming another host refused" grep -q 'verify=cn-mismatch' "$T/w3.err"

# several A records: the first is dead, the second answers
printf '127.0.0.2 localhost\n127.0.0.1 localhost\n127.0.0.3 dead.test\n127.0.0.4 dead.test\n' > "$T/hosts"
F --hosts "$T/hosts" --ca "$T/ca.pem" --cert "$T/dev.pem" --key "$T/dev.key" -o /dev/null \
    "https://localhost:$NS/spa000e08aabbcc.xml" 2> "$T/a1.err"
check "first A record dead, second used" grep -q '^status=200 error=ok verify=ok attempts=2' "$T/a1.err"
F --hosts "$T/hosts" -o /dev/null "http://dead.test:$NP/spa000e08aabbcc.xml" 2> "$T/a2.err"
check "all A records dead -> connect error" grep -q 'error=connect verify=ok attempts=2' "$T/a2.err"
# resolution through evdns (reads /etc/hosts) when no hosts file is given
F --ca "$T/ca.pem" --cert "$T/dev.pem" --key "$T/dev.key" -o /dev/null \
    "https://localhost:$NS/spa000e08aabbcc.xml" 2> "$T/a3.err"
check "evdns resolution of localhost" grep -q '^status=200 error=ok' "$T/a3.err"

if [ $FAILS -ne 0 ]; then
    echo "--- nginx error log"; tail -20 "$N/logs/error.log"
    echo "--- nginx access log"; cat "$N/logs/access.log"
fi
echo "# $FAILS failure(s)"
[ $FAILS -eq 0 ]
