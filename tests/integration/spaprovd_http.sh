# spaprovd over HTTP and HTTPS with curl: an encrypted per-device profile
# that decrypts (openssl enc) and gunzips to exactly `spaprov render
# --decoded`, ETag/304, static files with Range, path traversal refused,
# unknown device 404, client certificates (own MAC served, another MAC's
# profile refused 403 with a security event), SIGHUP keeps serving, SIGTERM
# exits 0. 127.0.0.1 only; every wait is bounded.
set -u
command -v curl >/dev/null && command -v openssl >/dev/null || exit 77
command -v python3 >/dev/null || exit 77
CLI=$SPA_BUILD/spaprov
. "$(dirname "$0")/lib/peers.sh"
peers_init spaprovd-http
fail() { echo "FAIL: $*"; [ -f "$T/log" ] && sed 's/^/  log: /' "$T/log"; exit 1; }

read -r HP SP TP YP HP2 < <(pick_ports tcp tcp udp udp tcp)

# A private CA and two device certificates (OU=product, L=serial, ST=MAC).
mkcert() { # name subject
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" \
        -subj "$2" -out "$T/$1.csr" 2>/dev/null &&
    openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
        -days 2 -out "$T/$1.crt" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
    -subj "/CN=Test Client CA" -days 2 -out "$T/ca.crt" 2>/dev/null || fail "CA"
mkcert a "/O=Linksys/OU=SPA2102/L=SNA001/ST=000e08aabb01/CN=spa-a" || fail "cert a"
mkcert g "/O=Linksys/OU=SPA2102/CN=generic" || fail "cert generic"

cat > "$T/conf" <<EOF
# test configuration
HTTP_Port "$HP"; HTTPS_Port "$SP";
TFTP_Port "$TP"; Syslog_Port "$YP";
Client_CA "$T/ca.crt";
EOF
D="$T/data"
$CLI --data "$D" device add 000e08aabb01 SPA2102 --serial SNA001 || fail "device add a"
$CLI --data "$D" device add 000e08aabb02 SPA2102 --serial SNB002 || fail "device add b"
$CLI --data "$D" param set --scope global Resync_Periodic 3600 || fail "param global"
$CLI --data "$D" param set --scope device --target 000e08aabb01 Display_Name_1_ 'Alice $MA' ||
    fail "param device"
mkdir -p "$D/files/fw"
head -c 100000 /dev/urandom > "$D/files/fw/spa2102-5.2.bin"

start_spaprovd "$T/conf" "$D" "$HP" || fail "spaprovd did not start"

U="http://127.0.0.1:$HP"
KEY=$($CLI --data "$D" device show 000e08aabb01 --secrets)
[ ${#KEY} -eq 64 ] || fail "device key length ${#KEY}"
$CLI --data "$D" render 000e08aabb01 --decoded > "$T/want.xml" || fail "render"
grep -q '<Display_Name_1_>Alice \$MA</Display_Name_1_>' "$T/want.xml" || fail "render content"

# 1. HTTP: encrypted profile, openssl-compatible, equal to the render.
code=$(curl -s -o "$T/a.enc" -w '%{http_code}' -A 'Linksys/SPA-2102-5.1.10 (SNA001)' \
    "$U/spa000e08aabb01.cfg")
[ "$code" = 200 ] || fail "http profile status $code"
head -c 8 "$T/a.enc" | grep -q '^Salted__' || fail "profile not encrypted over http"
openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$T/a.enc" 2>/dev/null | gunzip > "$T/a.xml" ||
    fail "decrypt"
cmp -s "$T/a.xml" "$T/want.xml" || fail "served profile differs from render --decoded"
# $MAU form of the same MAC, and the query form.
curl -s -o "$T/b.enc" "$U/spa000E08AABB01.cfg" || fail "MAU"
openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$T/b.enc" 2>/dev/null | gunzip | cmp -s - "$T/want.xml" ||
    fail "\$MAU form"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/profile.cfg?mac=00:0e:08:aa:bb:01")
[ "$code" = 200 ] || fail "query MAC form: $code"

# Identified by the User-Agent alone; POST is a --post resync (body stored,
# profile answered), PUT refused; HEAD has no body.
code=$(curl -s -o "$T/ua.enc" -w '%{http_code}' -A 'Linksys/SPA-2102-5.1.10 (SNA001)(000E08AABB01)' \
    "$U/spa.cfg")
[ "$code" = 200 ] || fail "UA-identified request: $code"
openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$T/ua.enc" 2>/dev/null | gunzip |
    cmp -s - "$T/want.xml" || fail "UA-identified profile"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$U/spa000e08aabb01.cfg")
[ "$code" = 200 ] || fail "POST gave $code"
$CLI --data "$D" events --mac 000e08aabb01 --type report | grep -q 'post via http POST /spa000e08aabb01.cfg' ||
    fail "POST body not stored as a report event"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -d x "$U/spa000e08aabb01.cfg")
case "$code" in 405|501) ;; *) fail "PUT gave $code" ;; esac   # the HTTP layer may refuse it first
[ "$($CLI --data "$D" device list --json | python3 -c '
import json,sys; print([d["fw_seen"] for d in json.load(sys.stdin) if d["mac"]=="000e08aabb01"][0])')" = 5.1.10 ] ||
    fail "firmware version from the User-Agent not recorded"

# 2. ETag: a second request is byte-identical and If-None-Match gives 304.
etag=$(curl -s -D - -o /dev/null "$U/spa000e08aabb01.cfg" | tr -d '\r' | sed -n 's/^ETag: //Ip')
[ -n "$etag" ] || fail "no ETag"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/spa000e08aabb01.cfg")
[ "$code" = 304 ] || fail "If-None-Match gave $code"

# 3. Unknown device → 404, logged.
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/spa000e08ffffff.cfg")
[ "$code" = 404 ] || fail "unknown device gave $code"
$CLI --data "$D" events --mac 000e08ffffff | grep -q '404 unknown device' ||
    fail "unknown device not logged"

# 4. Static file, whole and a Range.
curl -s -o "$T/fw" "$U/fw/spa2102-5.2.bin" && cmp -s "$T/fw" "$D/files/fw/spa2102-5.2.bin" ||
    fail "static file"
code=$(curl -s -o "$T/part" -w '%{http_code}' -r 100-199 "$U/fw/spa2102-5.2.bin")
[ "$code" = 206 ] || fail "range status $code"
cmp -s "$T/part" <(tail -c +101 "$D/files/fw/spa2102-5.2.bin" | head -c 100) || fail "range bytes"

# 5. Path traversal over HTTP → 403 and a security event; nothing leaks.
echo secret > "$T/outside.txt"
for p in "/../outside.txt" "/fw/../../outside.txt" "/%2e%2e/outside.txt" "/fw/%2E%2E/%2e%2e/x" \
         "/a%00b.cfg" '/..%5c..%5coutside.txt'; do
    code=$(curl -s --path-as-is -o "$T/t" -w '%{http_code}' "$U$p")
    [ "$code" = 403 ] || [ "$code" = 400 ] || fail "traversal $p gave $code"
    grep -q secret "$T/t" && fail "traversal $p leaked"
done
$CLI --data "$D" events --kind security | grep -q 'path refused' || fail "no security event"

# 6. HTTPS without a client certificate: served by MAC in the path.
S="https://127.0.0.1:$SP"
code=$(curl -s -k -o "$T/s.enc" -w '%{http_code}' "$S/spa000e08aabb01.cfg")
[ "$code" = 200 ] || fail "https without cert: $code"
openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$T/s.enc" 2>/dev/null | gunzip | cmp -s - "$T/want.xml" ||
    fail "https profile"

# 7. HTTPS with A's certificate: own profile by MAC, and by certificate alone.
CA=(-k --cert "$T/a.crt" --key "$T/a.key")
code=$(curl -s "${CA[@]}" -o "$T/c.enc" -w '%{http_code}' "$S/spa000e08aabb01.cfg")
[ "$code" = 200 ] || fail "https own cert: $code"
code=$(curl -s "${CA[@]}" -o "$T/c2.enc" -w '%{http_code}' "$S/spa.cfg")
[ "$code" = 200 ] || fail "https identified by cert only: $code"
openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$T/c2.enc" 2>/dev/null | gunzip | cmp -s - "$T/want.xml" ||
    fail "profile by certificate"

# 8. A's certificate asking for B's profile → 403 and a security event.
code=$(curl -s "${CA[@]}" -o "$T/x" -w '%{http_code}' "$S/spa000e08aabb02.cfg")
[ "$code" = 403 ] || fail "cert A for MAC B gave $code"
$CLI --data "$D" events --mac 000e08aabb01 --kind security |
    grep -q 'certificate of 000e08aabb01 asked for the profile of 000e08aabb02' ||
    fail "no security event for the MAC mismatch"
# A generic certificate (no MAC) does not bind: B is served by path.
code=$(curl -s -k --cert "$T/g.crt" --key "$T/g.key" -o /dev/null -w '%{http_code}' \
    "$S/spa000e08aabb02.cfg")
[ "$code" = 200 ] || fail "generic cert gave $code"

# 9. Each request was stored as an event.
n=$($CLI --data "$D" events --mac 000e08aabb01 --kind request --json | grep -o '"kind":"request"' | wc -l)
[ "$n" -ge 6 ] || fail "only $n request events for A"

# --since filters by time.
[ "$($CLI --data "$D" events --mac 000e08aabb01 --since 2099-01-01T00:00:00Z --json)" = "[]" ] ||
    fail "events --since in the future"
n=$($CLI --data "$D" events --mac 000e08aabb01 --since "$(( $(date +%s) - 600 ))" | wc -l)
[ "$n" -ge 12 ] || fail "events --since a recent time: $n"

# 10. SIGHUP: a broken file keeps the old settings; a good one is applied
# (the HTTP port moves); serving never stops. SIGTERM exits 0.
cp "$T/conf" "$T/conf.good"
echo 'HTTP_Port "not-a-port";' >> "$T/conf"
kill -HUP $PROVD_PID
for _ in $(seq 30); do grep -q 'keeping the old one' "$T/log" && break; sleep 0.1; done
grep -q 'conf:5:11: error: HTTP_Port: expected a port number' "$T/log" ||
    fail "bad config on SIGHUP not reported"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/spa000e08aabb01.cfg")
[ "$code" = 200 ] || fail "after a bad SIGHUP: $code"
sed "s/HTTP_Port \"$HP\"/HTTP_Port \"$HP2\"/" "$T/conf.good" > "$T/conf"
kill -HUP $PROVD_PID
for _ in $(seq 30); do grep -q 'configuration reloaded' "$T/log" && break; sleep 0.1; done
grep -q 'configuration reloaded' "$T/log" || fail "no reload message"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP2/spa000e08aabb01.cfg")
[ "$code" = 200 ] || fail "after SIGHUP on the new port: $code"
curl -s -o /dev/null "$U/spa000e08aabb01.cfg" && fail "old port still open after reload"
code=$(curl -s -k -o /dev/null -w '%{http_code}' "$S/spa000e08aabb01.cfg")
[ "$code" = 200 ] || fail "https after SIGHUP: $code"
stop_spaprovd || fail "spaprovd ignored SIGTERM"
[ "$PROVD_RC" = 0 ] || fail "SIGTERM exit status $PROVD_RC"
grep -qi "$KEY" "$T/log" && fail "key in the log"
echo ok
