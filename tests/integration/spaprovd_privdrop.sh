# spaprovd on the standard ports (TFTP 69, HTTP 80, HTTPS 443, syslog 514 on
# 127.0.0.1), bound as root, then running as User nobody: /proc shows every
# uid/gid is nobody's and no capability is left; curl gets the profile on
# :80 and :443, tftp-hpa on :69, logger reaches :514. SIGHUP keeps the
# privileged listeners; moving one to another port below 1024 is refused
# with a log line; moving it to a high port works. User root and unknown
# users are refused. Runs as root only (exit 77 otherwise, or when one of
# the ports is busy).
set -u
[ "$(id -u)" = 0 ] || exit 77
command -v curl >/dev/null && command -v openssl >/dev/null && command -v python3 >/dev/null ||
    exit 77
command -v logger >/dev/null && tftp -V 2>&1 | grep -qi 'tftp-hpa' || exit 77
NOBODY_UID=$(getent passwd nobody | cut -d: -f3) || exit 77
NOBODY_GID=$(getent passwd nobody | cut -d: -f4)
python3 - <<'PY' || { echo "a standard port is busy on 127.0.0.1; skipping"; exit 77; }
import socket
for kind, port in ((socket.SOCK_DGRAM, 69), (socket.SOCK_STREAM, 80), (socket.SOCK_STREAM, 443),
                   (socket.SOCK_DGRAM, 514), (socket.SOCK_STREAM, 81)):
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as spaprovd does
    s.bind(("127.0.0.1", port))
    s.close()
PY
source "$SPA_SRC/tests/integration/lib/assert.sh"
CLI=$SPA_BUILD/spaprov
. "$(dirname "$0")/lib/peers.sh"
peers_init spaprovd-privdrop
chmod 755 "$T"   # nobody must reach the data directory inside it
fail() { echo "FAIL: $*"; [ -f "$T/log" ] && sed 's/^/  log: /' "$T/log"; exit 1; }
HIGH=$(pick_port)

conf() { # http-port
    printf 'TFTP_Port "69"; HTTP_Port "%s"; HTTPS_Port "443"; Syslog_Port "514";\nUser "nobody";\n' \
        "$1" > "$T/conf"
    chmod 644 "$T/conf"   # re-read on SIGHUP by nobody
}
conf 80
D="$T/data"
MAC=000e08aa0069
$CLI --data "$D" device add $MAC SPA2102 --serial SNP069 || fail "device add"
$CLI --data "$D" param set --scope device --target $MAC Display_Name_1_ 'Priv Drop' || fail "param"
KEY=$($CLI --data "$D" device show $MAC --secrets)
$CLI --data "$D" render $MAC --decoded > "$T/want.xml" || fail "render"

# Refusals first: root as User, a user that does not exist.
out=$(timeout 10 spaprovd --config "$T/conf" --data "$D" --user root 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "User: 'root' is root" && ok "User root refused" ||
    bad "User root: rc=$rc $out"
out=$(timeout 10 spaprovd --config "$T/conf" --data "$D" --user no-such-user-x 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "no such user 'no-such-user-x'" &&
    ok "unknown user refused" || bad "unknown user: rc=$rc $out"

start_spaprovd "$T/conf" "$D" 80 || fail "spaprovd did not start"

st=$(cat /proc/$PROVD_PID/status)
echo "$st" | grep -qP "^Uid:\t$NOBODY_UID\t$NOBODY_UID\t$NOBODY_UID\t$NOBODY_UID$" &&
    ok "every uid is nobody's" || bad "uids: $(echo "$st" | grep ^Uid)"
echo "$st" | grep -qP "^Gid:\t$NOBODY_GID\t$NOBODY_GID\t$NOBODY_GID\t$NOBODY_GID$" &&
    ok "every gid is nobody's" || bad "gids: $(echo "$st" | grep ^Gid)"
echo "$st" | grep -qP "^Groups:\t$NOBODY_GID ?$" && ok "no supplementary group but nobody's" ||
    bad "groups: $(echo "$st" | grep ^Groups)"
echo "$st" | grep -qP "^CapEff:\t0+$" && echo "$st" | grep -qP "^CapPrm:\t0+$" &&
    ok "no capability left" || bad "caps: $(echo "$st" | grep ^Cap)"
[ "$(stat -c %u "$D/spaprov.db")" = "$NOBODY_UID" ] && ok "database handed to nobody" ||
    bad "database owner $(stat -c %U "$D/spaprov.db")"
has "$T/log" "running as user nobody" && ok "drop logged" || bad "drop not logged"

decrypts() {
    head -c 8 "$1" | grep -q '^Salted__' &&
        openssl enc -d -aes-256-cbc -md md5 -k "$KEY" -in "$1" 2>/dev/null | gunzip |
        cmp -s - "$T/want.xml"
}
curl -s -m 10 -o "$T/h.cfg" "http://127.0.0.1/spa$MAC.cfg"
check "profile over http :80" decrypts "$T/h.cfg"
curl -sk -m 10 -o "$T/s.cfg" "https://127.0.0.1/spa$MAC.cfg"
check "profile over https :443 (self-made certificate, made as nobody)" decrypts "$T/s.cfg"
[ "$(stat -c %u "$D/tls/server.key")" = "$NOBODY_UID" ] && ok "TLS key owned by nobody" ||
    bad "TLS key owner $(stat -c %U "$D/tls/server.key")"
(cd "$T" && timeout 20 tftp -m binary 127.0.0.1 69 -c get spa$MAC.cfg t.cfg)
check "profile over tftp :69" decrypts "$T/t.cfg"
logger -n 127.0.0.1 -P 514 -d -t spa "SPA2102 $MAC -- privdrop syslog line" || bad "logger"
got=0
for _ in $(seq 50); do
    $CLI --data "$D" events --mac $MAC --kind syslog | grep -q 'privdrop syslog line' &&
        got=1 && break
    sleep 0.1
done
[ $got = 1 ] && ok "syslog :514 line stored as nobody" || bad "syslog line not stored"

# SIGHUP, same ports: the privileged listeners are kept.
kill -HUP $PROVD_PID
for _ in $(seq 50); do grep -q 'configuration reloaded' "$T/log" && break; sleep 0.1; done
has "$T/log" "configuration reloaded" && ok "reload with the same ports" || bad "no reload"
curl -s -m 10 -o "$T/h2.cfg" "http://127.0.0.1/spa$MAC.cfg"
check "port 80 still served after SIGHUP" decrypts "$T/h2.cfg"
(cd "$T" && rm -f t2.cfg && timeout 20 tftp -m binary 127.0.0.1 69 -c get spa$MAC.cfg t2.cfg)
check "port 69 still served after SIGHUP" decrypts "$T/t2.cfg"

# SIGHUP moving HTTP to 81: refused (needs root), the old listeners stay.
conf 81
kill -HUP $PROVD_PID
for _ in $(seq 50); do grep -q 'keeping the old ones' "$T/log" && break; sleep 0.1; done
has "$T/log" "HTTP_Port 81 on 127.0.0.1: a new port below 1024 needs the privileges" &&
    ok "new privileged port refused with a log line" || bad "no refusal line"
curl -s -m 10 -o "$T/h3.cfg" "http://127.0.0.1/spa$MAC.cfg"
check "port 80 kept after the refused reload" decrypts "$T/h3.cfg"
if curl -s -m 3 -o /dev/null "http://127.0.0.1:81/"; then bad "port 81 opened"; else
    ok "port 81 not opened"; fi

# SIGHUP moving HTTP to a high port: done; 443/69 kept.
conf "$HIGH"
kill -HUP $PROVD_PID
for _ in $(seq 50); do
    [ "$(grep -c 'configuration reloaded' "$T/log")" -ge 2 ] && break
    sleep 0.1
done
curl -s -m 10 -o "$T/h4.cfg" "http://127.0.0.1:$HIGH/spa$MAC.cfg"
check "HTTP moved to high port $HIGH" decrypts "$T/h4.cfg"
if curl -s -m 3 -o /dev/null "http://127.0.0.1:80/"; then bad "port 80 still open"; else
    ok "port 80 closed"; fi
curl -sk -m 10 -o "$T/s2.cfg" "https://127.0.0.1/spa$MAC.cfg"
check "port 443 kept" decrypts "$T/s2.cfg"

stop_spaprovd || bad "spaprovd ignored SIGTERM"
[ "${PROVD_RC:-}" = 0 ] && ok "SIGTERM exit 0" || bad "SIGTERM exit status ${PROVD_RC:-none}"
if grep -q "$KEY" "$T/log"; then bad "device key in the log"; else ok "no key in the log"; fi
[ $FAILS = 0 ] || { sed 's/^/  log: /' "$T/log"; exit 1; }
echo "all ok"
