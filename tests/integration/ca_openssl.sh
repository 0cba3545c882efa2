#!/usr/bin/env bash
# ca_openssl.sh — the CA module checked by the real openssl(1): the chains
# of server and device certificates (openssl verify -CAfile, right root
# accepted, wrong root refused), subjects and subjectAltName (openssl x509),
# key files 0600, a passphrase-protected key that does not load without its
# passphrase (neither by openssl pkey nor by spaprov), and a batch of 1,000
# device certificates.
#
# The admin CLI that will wrap lib/ca.c is not here yet, so this test drives
# it through tests/tools/spa_catool.
set -euo pipefail

command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }
SRC=${SPA_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${SPA_BUILD:-}

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

D=${SPA_TOOLS:-$BUILD/tests/tools}/spa_catool
[ -x "$D" ] || { echo "spa_catool not built ($D)"; exit 1; }

# --- init: two roots, keys 0600 ---
$D init "$T/ca" || fail "ca init"
[ "$(stat -c %a "$T/ca/server-ca.key")" = 600 ] || fail "server-ca.key not 0600"
[ "$(stat -c %a "$T/ca/client-ca.key")" = 600 ] || fail "client-ca.key not 0600"
openssl x509 -in "$T/ca/server-ca.crt" -noout -text | grep -q "CA:TRUE" || fail "server root is not a CA"
if $D init "$T/ca" 2>"$T/err"; then fail "init overwrote an existing CA"; fi
grep -q "a CA already exists" "$T/err" || fail "no reason for refusing init"

# --- server certificate: CN rule, SAN, chain ---
$D server "$T/ca" "prov.example.net/mailto:admin@example.net" "$T/srv" || fail "issue server"
subj=$(openssl x509 -in "$T/srv.crt" -noout -subject -nameopt RFC2253)
[ "$subj" = "subject=CN=prov.example.net/mailto:admin@example.net,O=Example Telco" ] ||
    fail "server subject: $subj"
openssl x509 -in "$T/srv.crt" -noout -ext subjectAltName | grep -q "DNS:prov.example.net" ||
    fail "no SAN DNS:prov.example.net"
openssl verify -CAfile "$T/ca/server-ca.crt" -purpose sslserver "$T/srv.crt" >/dev/null ||
    fail "server cert does not verify against the server root"
if openssl verify -CAfile "$T/ca/client-ca.crt" "$T/srv.crt" >/dev/null 2>&1; then
    fail "server cert verifies against the client root"
fi
openssl verify -CAfile "$T/ca/server-ca.crt" -verify_hostname prov.example.net "$T/srv.crt" >/dev/null ||
    fail "hostname check"
[ "$(stat -c %a "$T/srv.key")" = 600 ] || fail "server key not 0600"
openssl pkey -in "$T/srv.key" -noout 2>/dev/null || fail "server key unreadable"
if $D server "$T/ca" "10.1.2.3" "$T/bad" 2>"$T/err"; then fail "an IP address was accepted as CN"; fi
grep -q "cn: '10.1.2.3' is an address" "$T/err" || fail "CN refusal not explained: $(cat "$T/err")"

# --- unique device certificate: OU, L, ST ---
$D device "$T/ca" SPA2102 00:0E:08:AA:BB:CC 88012BA01234 "$T/dev" || fail "issue device"
subj=$(openssl x509 -in "$T/dev.crt" -noout -subject -nameopt RFC2253)
[ "$subj" = "subject=CN=000e08aabbcc,ST=000e08aabbcc,L=88012BA01234,OU=SPA-2102,O=Example Telco" ] ||
    fail "device subject: $subj"
openssl verify -CAfile "$T/ca/client-ca.crt" -purpose sslclient "$T/dev.crt" >/dev/null ||
    fail "device cert does not verify against the client root"
if openssl verify -CAfile "$T/ca/server-ca.crt" "$T/dev.crt" >/dev/null 2>&1; then
    fail "device cert verifies against the server root"
fi
[ "$($D id "$T/ca" "$T/dev.crt")" = "product=SPA-2102 serial=88012BA01234 mac=000e08aabbcc generic=0" ] ||
    fail "identity of the device certificate"

# --- generic certificate: OU only ---
$D generic "$T/ca" SPA-2102 "$T/gen" || fail "issue generic"
subj=$(openssl x509 -in "$T/gen.crt" -noout -subject -nameopt RFC2253)
[ "$subj" = "subject=CN=SPA-2102 generic,OU=SPA-2102,O=Example Telco" ] || fail "generic subject: $subj"
[ "$($D id "$T/ca" "$T/gen.crt")" = "product=SPA-2102 serial= mac= generic=1" ] || fail "generic identity"

# --- a real mutual-TLS handshake on loopback: openssl s_server / s_client ---
# The server presents srv.crt and demands a client certificate from the
# client root; the client checks the chain and the host name and presents
# the unit's certificate. Then the same without a client certificate, and
# with a host name the certificate does not carry: both must fail.
tls_once() {  # tls_once CLIENT-ARGS... → prints s_client's output
    local port out srvpid i
    for i in 1 2 3 4 5; do
        port=$(( 20000 + RANDOM % 40000 ))
        openssl s_server -accept "127.0.0.1:$port" -cert "$T/srv.crt" -key "$T/srv.key" \
            -CAfile "$T/ca/client-ca.crt" -Verify 1 -verify_return_error -naccept 1 -www \
            >"$T/s_server.log" 2>&1 &
        srvpid=$!
        for _ in $(seq 50); do
            grep -q "ACCEPT" "$T/s_server.log" 2>/dev/null && break
            kill -0 "$srvpid" 2>/dev/null || break
            sleep 0.1
        done
        if grep -q "ACCEPT" "$T/s_server.log"; then break; fi
        wait "$srvpid" 2>/dev/null || true
    done
    out=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -ign_eof -connect "127.0.0.1:$port" \
        -CAfile "$T/ca/server-ca.crt" -verify_return_error "$@" 2>&1 || true)
    kill "$srvpid" 2>/dev/null || true
    wait "$srvpid" 2>/dev/null || true
    printf '%s\n' "$out"
}
out=$(tls_once -servername prov.example.net -verify_hostname prov.example.net \
    -cert "$T/dev.crt" -key "$T/dev.key")
grep -q "Verify return code: 0 (ok)" <<<"$out" || fail "mutual TLS handshake: $out"
grep -q "HTTP/1.0 200" <<<"$out" || fail "no response over mutual TLS: $out"
out=$(tls_once -servername prov.example.net -verify_hostname prov.example.net)
grep -q "HTTP/1.0 200" <<<"$out" && fail "the server accepted a client without a certificate"
grep -q "alert certificate required" <<<"$out" || fail "no certificate-required alert: $out"
out=$(tls_once -verify_hostname other.example.net -cert "$T/dev.crt" -key "$T/dev.key")
grep -q "HTTP/1.0 200" <<<"$out" && fail "the client accepted a certificate for another host"
grep -qi "hostname mismatch" <<<"$out" || fail "no hostname mismatch reported: $out"

# --- passphrase-protected keys (RSA roots this time) ---
CA_PASS="s3cret phrase" $D init "$T/pca" rsa || fail "init with passphrase"
head -1 "$T/pca/client-ca.key" | grep -q "ENCRYPTED PRIVATE KEY" || fail "key not encrypted"
if openssl pkey -in "$T/pca/client-ca.key" -passin pass: -noout 2>/dev/null; then
    fail "openssl loaded the protected key without its passphrase"
fi
if openssl pkey -in "$T/pca/client-ca.key" -passin pass:wrong -noout 2>/dev/null; then
    fail "openssl loaded the protected key with a wrong passphrase"
fi
openssl pkey -in "$T/pca/client-ca.key" -passin "pass:s3cret phrase" -noout ||
    fail "openssl cannot load the key with its passphrase"
openssl x509 -in "$T/pca/client-ca.crt" -noout -text | grep -q "rsaEncryption" || fail "not RSA"
if $D device "$T/pca" SPA2102 000e08000001 SN1 "$T/x" 2>"$T/err" </dev/null; then
    fail "spaprov loaded the protected key without its passphrase"
fi
grep -q "a passphrase is needed" "$T/err" || fail "no reason given: $(cat "$T/err")"
grep -q "s3cret" "$T/err" && fail "the passphrase leaked into a message"
CA_PASS="s3cret phrase" $D device "$T/pca" SPA2102 000e08000001 SN1 "$T/x" || fail "issue with passphrase"
openssl verify -CAfile "$T/pca/client-ca.crt" "$T/x.crt" >/dev/null || fail "RSA chain"

# --- batch: 1,000 units ---
{
    echo "model,mac,serial"
    for i in $(seq 0 999); do
        printf 'SPA2102,0200%08x,SN%06d\n' "$i" "$i"
    done
} > "$T/fleet.csv"
start=$(date +%s%N)
n=$($D batch "$T/ca" "$T/fleet.csv" "$T/fleet") || fail "batch"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "batch: $n certificates in ${ms} ms"
[ "$n" = 1000 ] || fail "batch issued $n"
[ "$(find "$T/fleet" -name '*.crt' | wc -l)" = 1000 ] || fail "certificate count"
[ "$(find "$T/fleet" -name '*.key' -perm 600 | wc -l)" = 1000 ] || fail "key files not all 0600"
# every certificate verifies, and every subject carries its own MAC and serial
ok=$(openssl verify -CAfile "$T/ca/client-ca.crt" -purpose sslclient "$T"/fleet/*.crt 2>&1 |
    grep -c ": OK$" || true)
[ "$ok" = 1000 ] || fail "only $ok of 1000 batch certificates verify"
subj=$(openssl x509 -in "$T/fleet/02000000002a.crt" -noout -subject -nameopt RFC2253)
[ "$subj" = "subject=CN=02000000002a,ST=02000000002a,L=SN000042,OU=SPA-2102,O=Example Telco" ] ||
    fail "batch subject: $subj"
# a bad file issues nothing
printf 'model,mac,serial\nSPA2102,000e08000001,SN1\nSPA2102,zz,SN2\n' > "$T/bad.csv"
if $D batch "$T/ca" "$T/bad.csv" "$T/none" >/dev/null 2>"$T/err"; then fail "bad batch accepted"; fi
grep -q "bad.csv:3:9: error: mac: 'zz' is not a MAC address" "$T/err" || fail "batch error: $(cat "$T/err")"
[ -z "$(ls -A "$T/none" 2>/dev/null)" ] || fail "a bad batch wrote files"
echo "ca_openssl: all checks passed"
